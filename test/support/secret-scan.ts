// The integration suite's last check (issue 12 §5): nothing the daemon said
// during the whole run, in logs, stderr, metrics, CLI output or Events,
// contains private-key material of any Secret in the cluster, or a PEM
// private-key marker.
import * as k8s from '@kubernetes/client-node';
import { everythingCaptured } from './capture.js';
import { testCluster } from './cluster.js';
import { indexNeedles, keyNeedles, scanText, type Finding, type KeyNeedle } from './key-scan.js';

export interface ScanReport {
  findings: Finding[];
  sources: number;
  bytes: number;
  keys: number;
  events: number;
}

/** What to look for: every private key held by a Secret of the cluster `core` talks to. */
export async function clusterKeyNeedles(core: k8s.CoreV1Api): Promise<KeyNeedle[]> {
  const needles: KeyNeedle[] = [];
  for (const s of (await core.listSecretForAllNamespaces()).items) {
    for (const [key, value] of Object.entries(s.data ?? {})) {
      const text = Buffer.from(value, 'base64').toString('utf8');
      if (!text.includes('PRIVATE KEY')) continue;
      const n = keyNeedles(`Secret ${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''} ${key}`, text, value);
      if (n) needles.push(n);
    }
  }
  return needles;
}

export async function scanRunForKeyMaterial(): Promise<ScanReport> {
  const { core, kc } = testCluster();
  const needles = await clusterKeyNeedles(core);
  const index = indexNeedles(needles);
  const events = (await kc.makeApiClient(k8s.EventsV1Api).listEventForAllNamespaces()).items
    .filter((e) => e.reportingController === 'skupper-cert-rotator');
  const texts = [
    ...everythingCaptured(),
    ...events.map((e) => ({ source: `Event ${e.metadata?.namespace ?? ''}/${e.metadata?.name ?? ''} (${e.reason ?? ''})`, text: `${e.note ?? ''} ${e.reason ?? ''}` })),
  ];
  const findings = texts.flatMap((t) => scanText(t.source, t.text, index));
  return { findings, sources: texts.length, bytes: texts.reduce((n, t) => n + t.text.length, 0), keys: needles.length, events: events.length };
}
