// What the roll controller rolls, per namespace: the Secret of each Listener
// and Connector as the expiry tracker describes it, and the digest of its
// data when it passes the §4.4 gate. Kept per object and refreshed only for
// the objects an event concerns (touch()). Describing every object of the
// namespace on every event was O(N) per event, O(N^2) while N Listeners
// converge: 60 % of the daemon's CPU at N = 1,000 (issue 16). A full pass is
// asked for, never inferred: the first look at a namespace, the periodic
// resync (the safety net for verdicts that change with time alone, such as a
// certificate expiring) and the retry of a pass that failed. Inferring it from
// "no event on record" made full passes of ordinary ones: a worker handed the
// namespace by the queue takes the events that arrive before it starts, and
// the queue, which saw them arrive while the key was being processed, runs it
// once more with none left (issue 16: 158 of 2,398 passes at N = 300 were
// full, 42 % of the daemon's busy CPU at N = 1,000).
import type { V1Secret } from '@kubernetes/client-node';
import { TimeSlice } from '../../kube/time-slice.js';
import type { ExpiryTracker, TrackedKind } from '../../tracking/tracker.js';
import { secretDigest } from '../../decisions/roll-plan.js';
import { condensedTls } from '../../model/condensed-tls.js';
import type { Informer } from '../../kube/informer.js';
import type { Certificate } from '../../model/certmanager.js';
import type { Connector, Listener } from '../../model/skupper.js';
import { NestedMap } from '../../util/nested-map.js';

export interface RollCaches {
  listeners: Informer<Listener>;
  connectors: Informer<Connector>;
  certificates: Informer<Certificate>;
  secrets: Informer<V1Secret>;
  opaqueSecrets: Informer<V1Secret>;
}

interface Entry {
  secret: string;
  /** Set when the Secret is verified (ready) and cached: the revision in use. */
  digest?: string;
}

export interface InUseSecrets {
  /** Digest by Secret name, of the verified Secrets in use. */
  current: Record<string, string>;
  /** Every Secret an object names. */
  referenced: Set<string>;
}

export interface InUsePass {
  /** Digest by Secret name, of the verified Secrets of the objects this pass described: all in use after a full pass. */
  described: Record<string, string>;
  /** The whole namespace's view: O(objects), so only for those who need all of it. */
  whole(): InUseSecrets;
}

/** Per kind, by object name: the names are the cached objects' own strings, so a key costs nothing of its own. */
type ByKind<V> = Record<TrackedKind, Map<string, V>>;

const byKind = <V>(): ByKind<V> => ({ listener: new Map(), connector: new Map() });

export class InUse {
  /** namespace → the entry of each object. */
  private readonly views = new Map<string, ByKind<Entry>>();
  /** namespace → the objects an event concerned since the last pass. */
  private readonly dirty = new Map<string, Record<TrackedKind, Set<string>>>();
  /** namespace → Secret name → its digest, hashed once per resourceVersion. */
  private readonly digests = new NestedMap<{ rv: string; digest: string }>();
  /** Namespaces whose next pass describes every object. */
  private readonly fullPasses = new Set<string>();

  constructor(private readonly caches: RollCaches, private readonly tracker: ExpiryTracker) {}

  /** The object (or its Secret or Certificate) changed: describe it again on the next pass. */
  touch(kind: TrackedKind, namespace: string, name: string): void {
    let sets = this.dirty.get(namespace);
    if (!sets) this.dirty.set(namespace, (sets = { listener: new Set(), connector: new Set() }));
    sets[kind].add(name);
  }

  /** The next pass over `namespace` describes every object in it, not only those events concerned. */
  requestFullPass(namespace: string): void {
    this.fullPasses.add(namespace);
  }

  /** A deleted Secret's digest goes with it: a daemon running for months sees many come and go. */
  forgetSecret(namespace: string, name: string): void {
    this.digests.delete(namespace, name);
  }

  /** How many Secrets have a digest cached (for tests). */
  get cachedDigests(): number {
    return this.digests.size;
  }

  /** Brings the namespace's view up to date (sliced, so the event loop keeps turning) and returns it. */
  async refresh(namespace: string): Promise<InUsePass> {
    const dirty = this.dirty.get(namespace);
    this.dirty.delete(namespace);
    const known = this.views.get(namespace);
    const full = this.fullPasses.delete(namespace) || !known;
    const view = full ? byKind<Entry>() : known;
    const targets: [TrackedKind, string][] = full
      ? [...this.caches.listeners.list(namespace).map((o): [TrackedKind, string] => ['listener', o.metadata.name]),
        ...this.caches.connectors.list(namespace).map((o): [TrackedKind, string] => ['connector', o.metadata.name])]
      : [...[...(dirty?.listener ?? [])].map((n): [TrackedKind, string] => ['listener', n]), ...[...(dirty?.connector ?? [])].map((n): [TrackedKind, string] => ['connector', n])];
    const described: Record<string, string> = {};
    try {
      await this.describe(namespace, targets, view, described);
    } catch (err) {
      // The events this pass took are gone with it: the retry looks at everything.
      this.fullPasses.add(namespace);
      throw err;
    }
    if (view.listener.size + view.connector.size > 0) this.views.set(namespace, view);
    else this.views.delete(namespace);
    return {
      described,
      whole: (): InUseSecrets => {
        const current: Record<string, string> = {};
        const referenced = new Set<string>();
        for (const e of [...view.listener.values(), ...view.connector.values()]) {
          referenced.add(e.secret);
          if (e.digest !== undefined) current[e.secret] = e.digest;
        }
        return { current, referenced };
      },
    };
  }

  private async describe(namespace: string, targets: readonly [TrackedKind, string][], view: ByKind<Entry>, described: Record<string, string>): Promise<void> {
    const slice = new TimeSlice();
    // Parsed in slices first (tracker.prepare), so the descriptions below read the parse cache.
    for (const [kind, name] of targets) {
      await slice.pause();
      await this.tracker.prepare(kind, namespace, name);
    }
    for (const [kind, name] of targets) {
      await slice.pause();
      // Describing one the tracker has not described yet verifies its key and chain (about 0.5 ms).
      const s = this.tracker.current(kind, namespace, name)?.status;
      if (!s?.secret) {
        view[kind].delete(name);
        continue;
      }
      const secret = this.caches.secrets.get(namespace, s.secret) ?? this.caches.opaqueSecrets.get(namespace, s.secret);
      // The §4.4 gate: only verified material is rolled.
      const digest = s.ready && secret ? this.digest(namespace, secret) : undefined;
      // Keyed by the description's name (the cached object's string), not the one the event named.
      view[kind].set(s.name, { secret: s.secret, ...(digest !== undefined ? { digest } : {}) });
      if (digest !== undefined) described[s.secret] = digest;
    }
  }

  private digest(namespace: string, secret: V1Secret): string {
    // A condensed Secret carries its digest (model/condensed-tls.ts): nothing to remember.
    const carried = condensedTls(secret)?.digest;
    if (carried !== undefined) return carried;
    // The cached Secret's own name string as the key.
    const name = secret.metadata?.name ?? '';
    const rv = secret.metadata?.resourceVersion ?? '';
    const known = this.digests.get(namespace, name);
    if (known && known.rv === rv && rv !== '') return known.digest;
    const digest = secretDigest(secret);
    this.digests.set(namespace, name, { rv, digest });
    return digest;
  }
}
