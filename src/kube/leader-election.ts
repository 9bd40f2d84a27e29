// Leader election on a coordination.k8s.io Lease (client-node has none):
// client-go's algorithm (acquire, renew every retry period, give up after the
// renew deadline, release on a clean shutdown) plus a wake-up from a watch on
// the Lease, so a follower takes a released Lease at once instead of at its
// next retry.
import type { Logger } from 'pino';
import { CoreResources, isConflict, isNotFound, type Api } from './api.js';
import { decideLease, recordKey, releasedSpec, type Lease } from './lease-record.js';

const FIELD_MANAGER = 'skupper-cert-rotator-leader-election';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading: () => void;
  /** Leadership lost without a stop(): the caller must stop writing at once. */
  onStoppedLeading: () => void;
}

type Attempt = { ok: true } | { ok: false; waitMs: number };

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observedKey = '';
  private observedAt = 0;
  private lastLease: Lease | undefined;
  private lastHolder = '';
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly api: Api,
    private readonly opts: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Ends the current pause: try again now. */
  private wake(): void {
    this.wakeUp?.();
  }

  /**
   * A Lease seen on the watch: its renewals are observed when they happen, not
   * at our next poll, so a dead leader's Lease expires for us a lease duration
   * after its last renewal, and a released one is taken at once.
   */
  seen(lease: Lease): void {
    if (this.isStopped()) return;
    this.observe(lease);
    if ((lease.spec?.holderIdentity ?? '') === '' && !this.leading) this.wake();
  }

  /** Stops campaigning; a leader releases the Lease so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    if (this.leading) await this.release();
    this.leading = false;
  }

  private async run(): Promise<void> {
    let lastRenew = 0;
    while (!this.stopped) {
      const attempt = await this.tryAcquireOrRenew();
      if (this.isStopped()) return;
      if (attempt.ok) {
        lastRenew = this.now();
        if (!this.leading) {
          this.leading = true;
          this.log.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'became the leader');
          this.callbacks.onStartedLeading();
        }
        await this.pause(this.opts.retryPeriodMs);
        continue;
      }
      if (this.leading) {
        if (this.now() - lastRenew < this.opts.renewDeadlineMs) {
          await this.pause(this.opts.retryPeriodMs);
          continue;
        }
        this.leading = false;
        this.log.error({ lease: `${this.opts.namespace}/${this.opts.name}`, renewDeadlineMs: this.opts.renewDeadlineMs }, 'leadership lost: the Lease was not renewed within the renew deadline');
        this.callbacks.onStoppedLeading();
        return;
      }
      // client-go's jitter (x1.2) keeps followers from retrying in lockstep.
      await this.pause(Math.min(attempt.waitMs, this.opts.retryPeriodMs * (1 + Math.random() * 0.2)));
    }
  }

  /** A method, not the field: the field's narrowing does not survive an await. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private observe(lease: Lease | undefined): void {
    const key = recordKey(lease);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.now();
    }
    this.lastLease = lease;
    const holder = lease?.spec?.holderIdentity ?? '';
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      if (holder !== '') {
        this.log.info({ leader: holder, self: holder === this.opts.identity }, 'new leader observed');
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { namespace, name, identity, leaseDurationMs, renewDeadlineMs } = this.opts;
    // One attempt may not outlast the renew deadline, or a hung request would keep a deposed leader writing.
    const timeoutMs = Math.max(1000, Math.floor(renewDeadlineMs / 2));
    try {
      let lease: Lease | undefined;
      try {
        lease = await this.api.get<Lease>(CoreResources.lease, namespace, name, timeoutMs);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.observe(lease);
      const now = this.now();
      const decision = decideLease(lease, this.observedAt, identity, leaseDurationMs, now);
      if (decision.action === 'wait') return { ok: false, waitMs: decision.expiresAt - now };
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, resourceVersion: lease?.metadata?.resourceVersion },
        spec: decision.spec,
      };
      const written = decision.action === 'create'
        ? await this.api.create<Lease>(CoreResources.lease, namespace, body, { fieldManager: FIELD_MANAGER }, timeoutMs)
        : await this.api.replace<Lease>(CoreResources.lease, namespace, name, body, FIELD_MANAGER, timeoutMs);
      this.observe(written);
      return { ok: true };
    } catch (err) {
      // 409: another replica wrote first (create or update); it won this round.
      if (isConflict(err)) this.log.debug({ lease: `${namespace}/${name}` }, 'lost a Lease write race');
      else this.log.warn({ err, lease: `${namespace}/${name}` }, 'could not acquire or renew the Lease');
      return { ok: false, waitMs: this.opts.retryPeriodMs };
    }
  }

  private async release(): Promise<void> {
    const lease = this.lastLease;
    if (!lease?.spec || lease.spec.holderIdentity !== this.opts.identity) return;
    try {
      await this.api.replace<Lease>(CoreResources.lease, this.opts.namespace, this.opts.name, { ...lease, spec: releasedSpec(lease.spec, this.now()) }, FIELD_MANAGER, 5000);
      this.log.info({ lease: `${this.opts.namespace}/${this.opts.name}` }, 'released the Lease');
    } catch (err) {
      // Followers then take over when the Lease expires instead of at once.
      this.log.warn({ err, lease: `${this.opts.namespace}/${this.opts.name}` }, 'could not release the Lease');
    }
  }
}
