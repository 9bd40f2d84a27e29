// The router config that `kube-adaptor -init` writes (skrouterd.json), made fit
// for a router run as a local process instead of in the router Pod: what the
// Pod's launch.sh does (`${HOSTNAME}` in the router id expanded), and the three
// listeners the controller puts on fixed ports (`amqp` 5672, `amqps` 5671,
// `@9090` 9090) moved to ports of our choosing on 127.0.0.1, so nothing clashes
// with the daemon's 9090, a local broker or a second site. The adaptor's config
// sync never touches these three (IsNotProtectedListener in Skupper's
// internal/qdr/qdr.go), so the rewrite stays as long as the router runs.
// Pure: text in, text out.

/** The listeners of Skupper's initial router config that we move, by name. */
export const PROTECTED_LISTENERS = ['amqp', 'amqps', '@9090'] as const;
export type ProtectedListener = (typeof PROTECTED_LISTENERS)[number];

export type RouterPorts = Record<ProtectedListener, number>;

type Entity = [string, Record<string, unknown>];

function entities(json: string): Entity[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'object' && e[1] !== null)) {
    throw new Error('skrouterd.json is not a list of [type, attributes] entities');
  }
  return parsed as Entity[];
}

/**
 * skrouterd.json as `kube-adaptor -init` wrote it, rewritten: `${HOSTNAME}`
 * replaced by `hostname`, and each protected listener on `ports[name]` and
 * `host` (default 127.0.0.1). Fails when one of them is missing: a Skupper
 * that renames them would otherwise leave the fixed ports in use.
 */
export function localRouterConfig(json: string, opts: { hostname: string; ports: RouterPorts; host?: string }): string {
  const list = entities(json.replaceAll('${HOSTNAME}', opts.hostname));
  const seen = new Set<string>();
  for (const [type, attrs] of list) {
    const name = attrs.name;
    if (type !== 'listener' || typeof name !== 'string' || !(PROTECTED_LISTENERS as readonly string[]).includes(name)) continue;
    attrs.port = opts.ports[name as ProtectedListener];
    attrs.host = opts.host ?? '127.0.0.1';
    seen.add(name);
  }
  const missing = PROTECTED_LISTENERS.filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`skrouterd.json has no listener named ${missing.join(', ')}: cannot move it off its fixed port`);
  return `${JSON.stringify(list, null, 4)}\n`;
}

