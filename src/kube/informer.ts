// A list+watch cache (client-go's reflector + store) over plain JSON.
// client-node's ListWatch does not restart a failed watch, has no sync signal
// and cannot use field selectors or pagination, so this one:
// - lists in pages, then watches from the list's resourceVersion with bookmarks;
// - relists on 410 Gone, retries other failures with capped backoff;
// - aborts a watch that has been silent longer than `stallMs` (a half-open
//   connection otherwise hangs forever) and counts every abnormal restart;
// - reports add/update/delete, including deletes discovered by a relist.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { SharedValues } from './shared-values.js';
import type { Logger } from 'pino';
import { Api, ApiError, resourcePath, type ResourceType } from './api.js';
import { objectKey } from './keys.js';
import { ObjectStore } from './store.js';
import { failuresAfter, retryDelayMs } from './watch-backoff.js';
import { stripManagedFields } from './strip-managed-fields.js';

export type InformerEvent = 'add' | 'update' | 'delete';
/**
 * `old`: on an update, the object it replaces; on a delete, the object the
 * cache held (the delete's own last state, `obj`, may be newer: what was
 * derived from the cache is derived from `old`).
 */
export type Handler<T> = (event: InformerEvent, obj: T, old?: T) => void;

export interface InformerOptions {
  /** Empty = cluster-wide. One list+watch per namespace otherwise. */
  namespaces: readonly string[];
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout; the watch is re-opened (not counted as a restart) when it ends. */
  watchTimeoutSeconds?: number;
  /** A watch with no byte for this long is considered stalled and restarted. */
  stallMs?: number;
  /** The object as cached: without fields the controllers never read, to save memory (managedFields are always dropped). */
  transform?: (obj: KubernetesObject) => KubernetesObject;
  /** Equal strings of the cached objects kept once (shared-values.ts); one instance for all informers shares across kinds. */
  strings?: SharedValues;
  onRestart?: (reason: string) => void;
  /** Never list or watch: always synced and empty (a resource the daemon may not read). */
  disabled?: boolean;
}

class GoneError extends Error {}

class Reflector<T extends KubernetesObject> {
  synced = false;
  lastActivity = Date.now();
  private rv = '';
  /** When the current watch started streaming (0: not open): tells a cut healthy watch from a failing server. */
  private openedAt = 0;
  private abort: AbortController | undefined;
  private stopped = false;
  /** Aborts whatever is in flight (a list page, a watch, a retry pause) when stop() is called. */
  private readonly stopper = new AbortController();
  private readonly keys = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly type: ResourceType,
    private readonly namespace: string | undefined,
    private readonly opts: InformerOptions,
    private readonly store: ObjectStore<T>,
    private readonly emit: Handler<T>,
    private readonly log: Logger,
  ) {}

  async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.openedAt = 0;
        if (this.rv === '') await this.relist();
        await this.watch();
        failures = 0;
      } catch (err) {
        if (this.isStopped()) break;
        if (err instanceof GoneError) {
          this.rv = '';
          this.opts.onRestart?.('gone');
          this.log.debug({ resource: this.type.plural, namespace: this.namespace }, 'watch expired (410 Gone), relisting');
          continue;
        }
        failures = failuresAfter(failures, this.openedAt === 0 ? 0 : Date.now() - this.openedAt);
        const delay = retryDelayMs(failures);
        const reason = err instanceof ApiError ? `http-${err.status}` : 'error';
        this.opts.onRestart?.(reason);
        this.log.warn({ err, resource: this.type.plural, namespace: this.namespace, retryInMs: delay }, 'list/watch failed, retrying');
        // The stop listener goes when the pause ends: left behind, one per failure would pile up on a long-lived signal.
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(t);
            this.stopper.signal.removeEventListener('abort', done);
            resolve();
          };
          const t = setTimeout(done, delay);
          this.stopper.signal.addEventListener('abort', done, { once: true });
        });
      }
    }
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.stopper.abort();
    this.abort?.abort();
  }

  private baseQuery(): Record<string, string | undefined> {
    return { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
  }

  private ingest(raw: T): T {
    stripManagedFields(raw);
    const obj = (this.opts.transform?.(raw) ?? raw) as T;
    this.opts.strings?.shareAll(obj);
    return obj;
  }

  private async relist(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      // A page that never comes (paused API server) must fail like a silent watch does.
      const page = await this.api.list<T>(this.type, this.namespace, { ...this.baseQuery(), limit: this.opts.pageSize ?? 500, continue: cont }, this.stopper.signal, this.opts.stallMs);
      for (const raw of page.items) {
        // List items carry no apiVersion/kind; make them look like watch objects.
        const obj = this.ingest({ ...raw, apiVersion: raw.apiVersion ?? (this.type.group ? `${this.type.group}/${this.type.version}` : this.type.version), kind: raw.kind ?? this.type.kind });
        const key = objectKey(obj);
        seen.add(key);
        this.upsert(key, obj);
      }
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? '';
    } while (cont);
    for (const key of [...this.keys]) {
      if (!seen.has(key)) this.remove(key);
    }
    this.rv = rv;
    this.lastActivity = Date.now();
    this.synced = true;
  }

  private upsert(key: string, obj: T): void {
    const old = this.store.get(key);
    this.store.set(key, obj);
    this.keys.add(key);
    if (!old) this.emit('add', obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
  }

  private remove(key: string, last?: T): void {
    const old = this.store.get(key);
    this.store.delete(key);
    this.keys.delete(key);
    const gone = last ?? old;
    if (gone) this.emit('delete', gone, old);
  }

  private async watch(): Promise<void> {
    const timeout = this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const stallMs = this.opts.stallMs ?? (timeout + 60) * 1000;
    if (this.stopped) return;
    this.abort = new AbortController();
    const signal = AbortSignal.any([this.abort.signal, this.stopper.signal]);
    const state = { stalled: false };
    let timer: NodeJS.Timeout | undefined;
    // lastActivity moves only when the server answers: re-opening a watch
    // against a server that never answers must not look like progress.
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.stalled = true;
        this.abort?.abort();
      }, stallMs);
      timer.unref();
    };
    arm();
    try {
      const res = await this.api.open('GET', resourcePath(this.type, this.namespace), {
        ...this.baseQuery(), watch: 1, resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds: timeout,
      }, undefined, 'application/json', signal);
      this.lastActivity = Date.now();
      if (res.statusCode === 410) throw new GoneError();
      if ((res.statusCode ?? 0) >= 300) {
        res.resume();
        throw new ApiError(res.statusCode ?? 0, res.statusMessage ?? '', 'watch refused', 'GET', resourcePath(this.type, this.namespace));
      }
      this.openedAt = Date.now();
      res.setEncoding('utf8');
      let partial = '';
      for await (const chunk of res) {
        this.lastActivity = Date.now();
        arm();
        const lines = (partial + (chunk as string)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') this.handle(line);
      }
    } catch (err) {
      if (state.stalled) throw new Error(`watch silent for ${stallMs} ms`);
      if (signal.aborted && this.isStopped()) return;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private handle(line: string): void {
    const ev = JSON.parse(line) as { type: string; object: T & { code?: number } };
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(objectKey(ev.object), this.ingest(ev.object));
        break;
      case 'DELETED':
        this.remove(objectKey(ev.object), this.ingest(ev.object));
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR':
        if (ev.object.code === 410) throw new GoneError();
        throw new Error(`watch error event: ${JSON.stringify(ev.object).slice(0, 300)}`);
      default:
        return;
    }
    this.rv = ev.object.metadata?.resourceVersion ?? this.rv;
  }
}

export class Informer<T extends KubernetesObject> {
  private readonly store = new ObjectStore<T>();
  private readonly handlers: Handler<T>[] = [];
  private readonly reflectors: Reflector<T>[];
  private running: Promise<void>[] = [];

  constructor(
    api: Api,
    readonly type: ResourceType,
    opts: InformerOptions,
    log: Logger,
  ) {
    const namespaces = type.namespaced && opts.namespaces.length > 0 ? opts.namespaces : [undefined];
    const emit: Handler<T> = (event, obj, old) => {
      for (const h of this.handlers) {
        try {
          h(event, obj, old);
        } catch (err) {
          log.error({ err, resource: type.plural }, 'informer handler threw');
        }
      }
    };
    this.reflectors = opts.disabled ? [] : namespaces.map((ns) => new Reflector<T>(api, type, ns, opts, this.store, emit, log));
  }

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  start(): void {
    this.running = this.reflectors.map((r) => r.run());
  }

  async stop(): Promise<void> {
    for (const r of this.reflectors) r.stop();
    await Promise.allSettled(this.running);
  }

  hasSynced(): boolean {
    return this.reflectors.every((r) => r.synced);
  }

  /** Milliseconds since the least recently active watch saw a byte. */
  silentForMs(now = Date.now()): number {
    return Math.max(0, ...this.reflectors.map((r) => now - r.lastActivity));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }
}
