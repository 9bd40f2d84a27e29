// What a client sees at a Listener's Service on the real site, next to what
// the daemon says about it. The client view is sampled through the kube-proxy
// stand-in (cluster/skupper/service-proxy.ts), the same address the daemon's
// --probe dials; the daemon's view is its 'probed Listener service' debug line
// (fingerprints of the served leaf and of the Secret's) and its metric. The
// agreement check compares the two over a time window instead of at one
// instant: the router switches certificates between two samples, and a loaded
// machine delays either side by a second or two.
import { X509Certificate } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { DaemonProcess, LogLine } from './daemon.js';
import { decode } from './k8s.js';
import { throughRouter } from './skupper-site.js';

/** The probe's form of a fingerprint: SHA-256, hex, lower case, no colons. */
export function hexFingerprint(x509Form: string): string {
  return x509Form.replaceAll(':', '').toLowerCase();
}

/** The leaf fingerprint of a Secret's tls.crt, in the probe's form. */
export function secretLeaf(secret: k8s.V1Secret): string {
  return hexFingerprint(new X509Certificate(decode(secret, 'tls.crt')).fingerprint256);
}

export interface ClientSample {
  at: number;
  /** Fingerprint of the served leaf (probe form), when the handshake verified. */
  served?: string;
  error?: string;
}

/** One verified TLS connection through the proxy at 127.0.0.1:`port`. */
export async function clientView(port: number, ca: string, host: string): Promise<ClientSample> {
  const at = Date.now();
  const t = await throughRouter(port, ca, host, 5_000);
  return t.secure && t.served ? { at, served: hexFingerprint(t.served) } : { at, error: t.error ?? 'no handshake' };
}

/** A client connecting every `intervalMs` until stopped; keeps every sample. */
export class ClientSampler {
  readonly samples: ClientSample[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(port: number, ca: string, host: string, intervalMs = 250) {
    this.loop = (async () => {
      while (this.running) {
        this.samples.push(await clientView(port, ca, host));
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<ClientSample[]> {
    this.running = false;
    await this.loop;
    return this.samples;
  }
}

export interface ProbeLine {
  at: number;
  current: boolean;
  served?: string;
  secretLeaf: string;
  error?: string;
}

/** The daemon's 'probed Listener service' debug lines for `namespace/name` (needs --log-level=debug). */
export function probeLines(daemon: DaemonProcess, namespace: string, name: string, since = 0): ProbeLine[] {
  return daemon.logs
    .filter((l: LogLine) => l.msg === 'probed Listener service' && l.listener === `${namespace}/${name}`)
    .map((l) => ({
      at: Date.parse(String(l.time)),
      current: l.current === true,
      ...(typeof l.served === 'string' ? { served: l.served } : {}),
      secretLeaf: String(l.secretLeaf),
      ...(typeof l.error === 'string' ? { error: l.error } : {}),
    }))
    .filter((p) => p.at >= since);
}

/**
 * Probe lines that disagree with the client: a connected probe whose served
 * leaf no client sample within ±`windowMs` saw. A probe that says "current"
 * served the Secret's leaf by definition, so this also checks that whenever the
 * daemon says current, a client saw that leaf at about that time.
 */
export function disagreements(probes: ProbeLine[], samples: ClientSample[], windowMs = 2_000): ProbeLine[] {
  return probes.filter((p) => {
    if (p.served === undefined) return false;
    const near = samples.filter((s) => Math.abs(s.at - p.at) <= windowMs);
    // Too few samples near it to judge (the sampler had not started or had stopped).
    if (near.length === 0) return false;
    return !near.some((s) => s.served === p.served);
  });
}

/** The value of `skupper_cert_rotator_<name>` for one object, or undefined when the series is absent. */
export async function objectMetric(daemon: DaemonProcess, name: string, labels: { namespace: string; kind: string; name: string; secret: string }): Promise<number | undefined> {
  const text = await (await fetch(`http://${await daemon.address('metrics')}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const series = `skupper_cert_rotator_${name}{namespace="${labels.namespace}",kind="${labels.kind}",name="${labels.name}",secret="${labels.secret}"} `;
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line === undefined ? undefined : Number(line.slice(series.length));
}
