// A small JSON client for the Kubernetes API. client-node 1.x deserializes
// core types into classes (dates become Date objects) but watch events into
// plain JSON, which breaks equality checks between cache and desired state;
// here every read and write is plain JSON. Authentication comes from the
// KubeConfig on every request (tokens can rotate); the TLS connection pool is
// kept alive across requests.
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import type * as k8s from '@kubernetes/client-node';

export interface ResourceType {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** Core resources the generic machinery itself uses (Events, Leases); the product's table is model/resources.ts. */
export const CoreResources = {
  event: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

export function resourcePath(t: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const n = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  const sub = subresource ? `/${subresource}` : '';
  return `${base}${ns}/${t.plural}${n}${sub}`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}: ${message}`);
    this.name = 'ApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ObjectList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

/** Below kube-apiserver's idle timeout (90 s, k8s.io/apiserver secure_serving.go). */
export const IDLE_SOCKET_MS = 60_000;

/**
 * Every non-watch request gives up after this long: an API server that
 * accepts connections but never answers (paused, half-open connection) must
 * not hang a reconcile or a relist forever.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export class Api {
  private agent: Agent | HttpAgent | undefined;
  private readonly server: URL;

  /** `userAgent` names the program (and the replica), so the audit log tells who wrote. */
  constructor(readonly kc: k8s.KubeConfig, private readonly userAgent: string) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in kubeconfig');
    this.server = new URL(cluster.server);
  }

  /** Request options with fresh credentials and the shared keep-alive agent. */
  private async options(method: string, headers: Record<string, string>): Promise<RequestOptions> {
    const opts: RequestOptions = { method, headers: { 'user-agent': this.userAgent, accept: 'application/json', ...headers } };
    await this.kc.applyToHTTPSOptions(opts);
    if (!this.agent) {
      // kube-apiserver closes a connection idle for 90 s; a request sent on it
      // at that moment fails with "socket hang up" (Go's client retries it, Node's
      // does not). Idle sockets are closed first; a quiet watch is not idle here.
      const keepAlive = { keepAlive: true, timeout: IDLE_SOCKET_MS };
      this.agent = this.server.protocol === 'http:'
        ? new HttpAgent(keepAlive)
        : new Agent({ ...keepAlive, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername });
    }
    opts.agent = this.agent;
    return opts;
  }

  url(path: string, query?: Query): URL {
    const u = new URL(path, this.server);
    // Keep a path prefix of the server URL (e.g. behind a proxy).
    if (this.server.pathname !== '/') u.pathname = this.server.pathname.replace(/\/$/, '') + path;
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** Opens a request and returns the response stream (for watches). */
  async open(method: string, path: string, query: Query | undefined, body: unknown, contentType: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const opts = await this.options(method, payload ? { 'content-type': contentType, 'content-length': String(payload.length) } : {});
    const u = this.url(path, query);
    const send = u.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(u, { ...opts, signal }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; contentType?: string; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const res = await this.open(method, path, opts.query, opts.body, opts.contentType ?? 'application/json', signal);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      let reason = res.statusMessage ?? '';
      let message = text.slice(0, 500);
      try {
        const s = JSON.parse(text) as { reason?: string; message?: string };
        reason = s.reason ?? reason;
        message = s.message ?? message;
      } catch {
        // not a Status object
      }
      throw new ApiError(status, reason, message, method, path);
    }
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  get<T>(t: ResourceType, namespace: string | undefined, name: string, timeoutMs?: number): Promise<T> {
    return this.request<T>('GET', resourcePath(t, namespace, name), { timeoutMs });
  }

  list<T>(t: ResourceType, namespace: string | undefined, query: Query = {}, signal?: AbortSignal, timeoutMs?: number): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', resourcePath(t, namespace), { query, signal, timeoutMs });
  }

  /** PUT of the whole object; its metadata.resourceVersion makes it conditional. */
  replace<T>(t: ResourceType, namespace: string | undefined, name: string, body: unknown, fieldManager: string, timeoutMs?: number): Promise<T> {
    return this.request<T>('PUT', resourcePath(t, namespace, name), { body, query: { fieldManager }, timeoutMs });
  }

  create<T>(t: ResourceType, namespace: string | undefined, body: unknown, query: Query = {}, timeoutMs?: number): Promise<T> {
    return this.request<T>('POST', resourcePath(t, namespace), { body, query, timeoutMs });
  }

  /** Server-side apply with our field manager; `force` takes over fields we declare. */
  apply<T>(t: ResourceType, namespace: string | undefined, name: string, body: unknown, fieldManager: string, query: Query = {}): Promise<T> {
    return this.request<T>('PATCH', resourcePath(t, namespace, name), {
      body,
      query: { fieldManager, force: true, ...query },
      contentType: 'application/apply-patch+yaml',
    });
  }

  mergePatch<T>(t: ResourceType, namespace: string | undefined, name: string, patch: unknown, fieldManager: string, query: Query = {}): Promise<T> {
    return this.request<T>('PATCH', resourcePath(t, namespace, name), { body: patch, query: { fieldManager, ...query }, contentType: 'application/merge-patch+json' });
  }

  replaceStatus<T>(t: ResourceType, namespace: string | undefined, name: string, body: unknown, fieldManager: string, query: Query = {}): Promise<T> {
    return this.request<T>('PUT', resourcePath(t, namespace, name, 'status'), { body, query: { fieldManager, ...query } });
  }

  delete(t: ResourceType, namespace: string | undefined, name: string, opts: { uid?: string; resourceVersion?: string; query?: Query } = {}): Promise<unknown> {
    const preconditions = opts.uid || opts.resourceVersion ? { uid: opts.uid, resourceVersion: opts.resourceVersion } : undefined;
    return this.request('DELETE', resourcePath(t, namespace, name), {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions },
      query: opts.query,
    });
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}
