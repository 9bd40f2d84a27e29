// Mocha root hooks: one real control plane for the whole integration run.
import { startTestCluster, stopTestCluster } from '../support/cluster.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    // The first run builds the Go binaries (tens of minutes); later runs take seconds.
    this.timeout(60 * 60 * 1000);
    await startTestCluster();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopTestCluster();
  },
};

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void stopTestCluster().finally(() => process.exit(130));
  });
}
