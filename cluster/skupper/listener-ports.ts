// The block of router ports a site's controller allocates Listeners from
// ($SKUPPER_LISTENER_PORT_RANGE, patches/router-ports.patch). Upstream every site
// starts at 1024, and a router run as a local process listens on the host's own
// ports (all interfaces, as in a Pod): two sites on one host (npm run local and
// a test run, two test runs) would both give their first Listener 1024, and the
// second router could not open it while Skupper still reports the Listener Ready.
// So each site gets a random block below Linux's ephemeral range whose first
// ports are free now.
import { createServer } from 'node:net';

export interface PortBlock {
  first: number;
  last: number;
}

export const BLOCK_SIZE = 100;
/** Above most well-known services, below the default ephemeral range (32768-60999, net.ipv4.ip_local_port_range). */
const LOWEST = 10_000;
const HIGHEST = 32_699;
/** How many of a block's first ports must be free: the Listeners a site is likely to have. */
const CHECKED = 16;

/** Whether `port` can be listened on on every interface (as the router does), IPv4 and IPv6. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => { resolve(false); });
    srv.listen({ port, exclusive: true }, () => { srv.close(() => { resolve(true); }); });
  });
}

/** The block starting at `first`, as the controller's environment spells it. */
export function rangeText(b: PortBlock): string {
  return `${b.first}-${b.last}`;
}

/** A random block of BLOCK_SIZE ports whose first CHECKED are free; fails after `tries` taken blocks. */
export async function freePortBlock(random: () => number = Math.random, tries = 40): Promise<PortBlock> {
  const blocks = Math.floor((HIGHEST + 1 - LOWEST) / BLOCK_SIZE);
  for (let i = 0; i < tries; i++) {
    const first = LOWEST + Math.floor(random() * blocks) * BLOCK_SIZE;
    let free = true;
    for (let p = first; p < first + CHECKED && free; p++) free = await portFree(p);
    if (free) return { first, last: first + BLOCK_SIZE - 1 };
  }
  throw new Error(`no block of ${BLOCK_SIZE} ports between ${LOWEST} and ${HIGHEST + 1} has its first ${CHECKED} free (tried ${tries})`);
}
