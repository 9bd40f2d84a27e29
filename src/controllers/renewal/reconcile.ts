// SPEC §4.3 renewal triggers for one managed Certificate (a Listener's, or a
// Connector's client certificate): gather the facts, let decisions/renewal.ts choose,
// perform it, and count outcomes when cert-manager reports them. The
// decision's wakeAt becomes the requeue: the work queue is the scheduler.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import { type Api } from '../../kube/api.js';
import { Resources } from '../../model/resources.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { Annotations, FIELD_MANAGER } from '../../model/annotations.js';
import { condition, isReady, type Certificate } from '../../model/certmanager.js';
import type { Connector, Listener } from '../../model/skupper.js';
import type { ParseCache } from '../../pki/parse-cache.js';
import { coversHost } from '../../pki/host-match.js';
import { isManagedByUs } from '../../decisions/ownership.js';
import { Writer } from '../../owned/writer.js';
import { servingLeaf } from '../../owned/secret-certificates.js';
import { desiredListenerCertificate } from '../../decisions/listener-desired.js';
import { backoffDelay, decideRenewal, type CertificateFacts, type LastAction } from '../../decisions/renewal.js';
import { renewCertificate } from './trigger.js';
import { windowState, type RenewalWindow } from '../../decisions/renewal-window.js';
import { apiDate } from '../../model/object-data.js';
import { splitKey } from '../../kube/keys.js';

export interface RenewalCaches {
  listeners: Informer<Listener>;
  connectors: Informer<Connector>;
  certificates: Informer<Certificate>;
  secrets: Informer<V1Secret>;
}

export interface RenewalDeps {
  api: Api;
  caches: RenewalCaches;
  config: Config;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  parser: ParseCache;
  window?: RenewalWindow;
  now?: () => Date;
}

type Owner = { kind: 'Listener'; obj: Listener } | { kind: 'Connector'; obj: Connector };

export function certificateFacts(cert: Certificate): CertificateFacts {
  const s = cert.status;
  const renewalTime = apiDate(s?.renewalTime);
  const notAfter = apiDate(s?.notAfter);
  const notBefore = apiDate(s?.notBefore);
  const lastFailureTime = apiDate(s?.lastFailureTime);
  return {
    revision: s?.revision ?? 0,
    ready: isReady(cert),
    issuing: condition(cert, 'Issuing')?.status === 'True',
    ...(renewalTime ? { renewalTime } : {}),
    ...(notAfter ? { notAfter } : {}),
    ...(notBefore ? { notBefore } : {}),
    ...(lastFailureTime ? { lastFailureTime } : {}),
    ...(s?.failedIssuanceAttempts !== undefined ? { failedIssuanceAttempts: s.failedIssuanceAttempts } : {}),
  };
}

/** The renew-handled-revision annotation: a revision number, or nothing (absent or not a number). */
function revisionAnnotation(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

export class RenewalReconciler {
  private readonly writer: Writer;
  /** Last action per Certificate uid; outcomes are counted against it. */
  private readonly last = new Map<string, LastAction & { failureCounted?: boolean }>();

  constructor(private readonly d: RenewalDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
  }

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  private owner(cert: Certificate): Owner | undefined {
    const ns = cert.metadata.namespace;
    for (const ref of cert.metadata.ownerReferences ?? []) {
      if (ref.kind === 'Listener') {
        const obj = this.d.caches.listeners.get(ns, ref.name);
        if (obj && obj.metadata.uid === ref.uid) return { kind: 'Listener', obj };
      } else if (ref.kind === 'Connector') {
        const obj = this.d.caches.connectors.get(ns, ref.name);
        if (obj && obj.metadata.uid === ref.uid) return { kind: 'Connector', obj };
      }
    }
    return undefined;
  }

  /** A Ready Certificate whose Secret does not cover the Listener's host (edited Secret, stale issuance). */
  private async mismatch(cert: Certificate, owner: Owner): Promise<boolean> {
    if (owner.kind !== 'Listener') return false;
    const desired = desiredListenerCertificate(owner.obj, this.d.config);
    if (desired.kind !== 'managed') return false;
    const secret = this.d.caches.secrets.get(cert.metadata.namespace, cert.spec.secretName);
    if (!secret) return false;
    const leaf = await servingLeaf(this.d.parser, secret);
    // An unparsable Secret is the verification gate's business (VerificationFailed), not a renewal's.
    return leaf !== undefined && !desired.hosts.every((h) => coversHost(leaf, h));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const cert = this.d.caches.certificates.get(namespace, name);
    if (!cert || !isManagedByUs(cert)) return { result: 'skipped' };
    const owner = this.owner(cert);
    if (!owner) return { result: 'skipped' };
    const uid = cert.metadata.uid ?? '';
    const now = this.now();
    const facts = certificateFacts(cert);
    this.countOutcome(cert, owner, facts);

    const requested = owner.obj.metadata.annotations?.[Annotations.renew]?.trim();
    const handled = cert.metadata.annotations?.[Annotations.renewHandled];
    const handledRevision = revisionAnnotation(cert.metadata.annotations?.[Annotations.renewHandledRevision]);
    const last = this.last.get(uid);
    const mismatch = facts.ready && await this.mismatch(cert, owner);
    const decision = decideRenewal({
      now,
      certificate: facts,
      manual: { ...(requested ? { requested } : {}), ...(handled !== undefined ? { handled } : {}), ...(handledRevision !== undefined ? { handledRevision } : {}) },
      mismatch,
      overdueAfterMs: this.d.config.overdueAfterMs,
      ...(this.d.window ? { window: windowState(this.d.window, now) } : {}),
      ...(last && last.revision === facts.revision ? { last } : {}),
      backoffMs: this.d.config.renewalBackoffMs,
    });
    const fields = { certificate: key, revision: facts.revision, owner: `${owner.kind}/${owner.obj.metadata.name}` };

    if (decision.trigger) {
      const trigger = decision.trigger;
      try {
        const target = decision.handle !== undefined ? await this.recordHandled(cert, decision.handle, decision.handleRevision ?? facts.revision, fields) : cert;
        // `decidedAt`: the instant the decision was made on (the log line itself comes after the write).
        await this.writer.write(`trigger renewal (${trigger})`, { ...fields, trigger, decidedAt: now.toISOString() }, () => renewCertificate(this.d.api, target, trigger, now));
      } catch (err) {
        this.d.metrics.renewals.inc({ trigger, result: 'error' });
        throw err;
      }
      const attempts = last && last.revision === facts.revision ? last.attempts + 1 : 1;
      this.last.set(uid, { trigger, kind: 'triggered', revision: facts.revision, at: now, attempts });
      await this.d.events.record(owner.obj, 'Normal', 'RenewalTriggered',
        `renewal of Certificate ${name} (revision ${facts.revision}) triggered: ${trigger}${attempts > 1 ? ` (attempt ${attempts})` : ''}`);
    } else if (decision.stuck) {
      const attempts = last && last.revision === facts.revision ? last.attempts + 1 : 1;
      this.last.set(uid, { trigger: 'overdue', kind: 'stuck', revision: facts.revision, at: now, attempts });
      this.d.metrics.renewals.inc({ trigger: 'overdue', result: 'failure' });
      const issuing = condition(cert, 'Issuing');
      const since = facts.renewalTime ? ago(now.getTime() - facts.renewalTime.getTime()) : '?';
      const msg = `Certificate ${name} is ${since} past its renewal time and cert-manager has not renewed it (Issuing: ${issuing?.reason ?? '?'}: ${issuing?.message ?? ''}; Ready: ${condition(cert, 'Ready')?.message ?? '?'}); check the issuer. Looking again in ${ago(backoffDelay(this.d.config.renewalBackoffMs, attempts))} (check ${attempts})`;
      await this.d.events.record(owner.obj, 'Warning', 'RenewalOverdue', msg);
      this.d.log.warn({ ...fields, attempts, decidedAt: now.toISOString() }, msg);
    } else if (decision.waiting) {
      this.d.log.debug({ ...fields, waiting: decision.waiting, wakeAt: decision.wakeAt?.toISOString() }, 'renewal not triggered');
    }

    const current = this.last.get(uid);
    const retry = current && current.revision === facts.revision && (decision.trigger || decision.stuck)
      ? now.getTime() + backoffDelay(this.d.config.renewalBackoffMs, current.attempts) : undefined;
    const wake = Math.min(decision.wakeAt?.getTime() ?? Infinity, retry ?? Infinity);
    return { result: decision.trigger ? `triggered-${decision.trigger}` : decision.stuck ? 'stuck' : 'ok', ...(Number.isFinite(wake) ? { requeueAfterMs: Math.max(wake - now.getTime(), 100) } : {}) };
  }

  /**
   * Records a manual request as handled, before its trigger, so a trigger that
   * does not take effect is seen and made again (decisions/renewal.ts), and so
   * nothing of ours writes the Certificate once cert-manager is issuing it.
   * Conditional on the resourceVersion the decision was made on; the status
   * write then goes on the object this returns, so it does not conflict with this patch.
   */
  private async recordHandled(cert: Certificate, value: string, revision: number, fields: Record<string, unknown>): Promise<Certificate> {
    const { namespace, name, resourceVersion } = cert.metadata;
    const patch = { metadata: { resourceVersion, annotations: { [Annotations.renewHandled]: value, [Annotations.renewHandledRevision]: String(revision) } } };
    const patched = await this.writer.write('record handled renew annotation', { ...fields, value },
      () => this.d.api.mergePatch<Certificate>(Resources.certificate, namespace, name, patch, FIELD_MANAGER));
    return patched ?? cert;
  }

  /** Counts the outcome of our last trigger once cert-manager has decided it. */
  private countOutcome(cert: Certificate, owner: Owner, facts: CertificateFacts): void {
    const uid = cert.metadata.uid ?? '';
    const last = this.last.get(uid);
    if (!last) return;
    if (facts.revision > last.revision) {
      if (last.kind === 'triggered') this.d.metrics.renewals.inc({ trigger: last.trigger, result: 'success' });
      this.last.delete(uid);
      return;
    }
    if (last.kind === 'triggered' && !last.failureCounted && !facts.issuing && facts.lastFailureTime && facts.lastFailureTime.getTime() >= last.at.getTime() - 1000) {
      last.failureCounted = true;
      this.d.metrics.renewals.inc({ trigger: last.trigger, result: 'failure' });
      const msg = `renewal of Certificate ${cert.metadata.name} (${last.trigger}) failed: ${condition(cert, 'Issuing')?.message ?? condition(cert, 'Ready')?.message ?? 'see the CertificateRequest'}`;
      void this.d.events.record(owner.obj, 'Warning', 'RenewalFailed', msg);
      this.d.log.warn({ certificate: `${cert.metadata.namespace}/${cert.metadata.name}`, trigger: last.trigger }, msg);
    }
  }
}
