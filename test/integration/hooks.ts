// Mocha root hooks: one real control plane for the whole integration run.
import { startTestCluster, stopTestCluster } from '../support/cluster.js';
import { scanRunForKeyMaterial } from '../support/secret-scan.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    // The first run builds the Go binaries (tens of minutes); later runs take seconds.
    this.timeout(60 * 60 * 1000);
    await startTestCluster();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    try {
      // Before the cluster goes: its Secrets say what key material to look for, its Events are scanned too.
      const scan = await scanRunForKeyMaterial();
      console.log(`  key-material scan: ${scan.sources} captured outputs (${(scan.bytes / 1e6).toFixed(1)} MB, ${scan.events} Events) against ${scan.keys} private keys in the cluster: ${scan.findings.length} finding(s)`);
      if (scan.keys === 0) {
        // A part of the suite chosen with --grep may make no key at all (the README commands, cluster:up); the whole suite always does.
        if (!filteredRun()) throw new Error('key-material scan: no private key in the cluster, so the scan would prove nothing');
        console.log('  key-material scan proved nothing: this --grep run put no private key in the cluster');
      }
      if (scan.findings.length > 0) throw new Error(`private-key material in the daemon's output:\n${scan.findings.slice(0, 20).map((f) => `  ${f.source}: ${f.what}`).join('\n')}`);
    } finally {
      await stopTestCluster();
    }
  },
};

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void stopTestCluster().finally(() => process.exit(130));
  });
}

/** Whether mocha runs part of the suite (--grep/--fgrep/-g on its command line). */
function filteredRun(): boolean {
  return process.argv.some((a) => /^(--grep|--fgrep|-g|-f)(=|$)/.test(a));
}
