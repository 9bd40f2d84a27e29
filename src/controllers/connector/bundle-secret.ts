// SPEC §4.2 step 4: the Connector Secret, written. Created with the bundle
// (and the client certificate, §4.2.5), or patched in only what differs (our
// data keys and our annotations: the overlap history, Skupper's prior-valid
// revisions), on condition of the resourceVersion judged; every change of
// ca.crt is announced (TrustBundleUpdated) with what was added and removed.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import type { Api } from '../../kube/api.js';
import type { EventRecorder } from '../../kube/events.js';
import { Resources } from '../../model/resources.js';
import { FIELD_MANAGER, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SKUPPER_PRIOR_VALID_REVISIONS } from '../../model/annotations.js';
import type { Connector } from '../../model/skupper.js';
import type { Bundle } from '../../pki/bundle.js';
import type { ParsedCertificate } from '../../pki/certificate.js';
import type { Writer } from '../../owned/writer.js';
import { labelValue } from '../../decisions/names.js';
import { connectorPriorValidRevisions } from '../../decisions/connector-desired.js';
import { TRUST_HISTORY_ANNOTATION, encodeHistory } from '../../decisions/trust-history.js';
import type { ClientState } from './client-certificate.js';

export interface BundleSecretDeps {
  api: Api;
  writer: Writer;
  events: EventRecorder;
  config: Pick<Config, 'dryRun' | 'priorValidRevisions'>;
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Our create of the bundle Secret was refused: the name is taken (the Secret found is attached). */
export class SecretTakenError extends Error {
  constructor(readonly found: V1Secret | undefined) {
    super('the Secret name is taken');
  }
}

/** Creates the Secret, or patches data and our annotation only (Skupper's annotations stay); false when nothing was written. */
export async function writeBundleSecret(d: BundleSecretDeps, connector: Connector, secretName: string, secret: V1Secret | undefined, bundle: Bundle, previous: readonly ParsedCertificate[], client: ClientState): Promise<boolean> {
  const { namespace, name } = connector.metadata;
  const data: Record<string, string> = { 'ca.crt': b64(bundle.pem) };
  if (client.kind === 'ready') {
    data['tls.crt'] = b64(client.material.tlsCrt);
    data['tls.key'] = b64(client.material.tlsKey);
  } else if (client.kind === 'pending') {
    // Keep the client certificate we have until its successor verifies.
    data['tls.crt'] = secret?.data?.['tls.crt'] ?? '';
    data['tls.key'] = secret?.data?.['tls.key'] ?? '';
  } else {
    // kubernetes.io/tls requires both keys; a CA-only Secret has them empty (SPEC §2).
    data['tls.crt'] = '';
    data['tls.key'] = '';
  }
  const history = encodeHistory(bundle.history);
  // Skupper keeps this many earlier revisions valid for existing connections (SPEC §2, reload strategy).
  const revisions = String(connectorPriorValidRevisions(connector, d.config.priorValidRevisions));
  const revisionsChanged = secret?.metadata?.annotations?.[SKUPPER_PRIOR_VALID_REVISIONS] !== revisions;
  const changedKeys = Object.keys(data).filter((k) => (secret?.data?.[k] ?? '') !== data[k] || (secret !== undefined && secret.data?.[k] === undefined));
  const historyChanged = secret?.metadata?.annotations?.[TRUST_HISTORY_ANNOTATION] !== history;
  if (secret && changedKeys.length === 0 && !historyChanged && !revisionsChanged) return false;

  const before = new Set(previous.map((c) => c.fingerprint));
  const added = bundle.entries.filter((e) => !before.has(e.certificate.fingerprint));
  const removed = previous.length - bundle.entries.filter((e) => before.has(e.certificate.fingerprint)).length;
  const retained = bundle.entries.filter((e) => e.retainedUntil);
  const fields = { connector: `${namespace}/${name}`, secret: secretName, certificates: bundle.entries.length, added: added.length, removed, retained: retained.length, keys: changedKeys, bytes: bundle.pem.length };
  if (!secret) {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: secretName,
        namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.connector]: labelValue(name) },
        annotations: { [TRUST_HISTORY_ANNOTATION]: history, [SKUPPER_PRIOR_VALID_REVISIONS]: revisions },
      },
      data,
    };
    const created = await d.writer.createSecret(body, fields);
    // Made a moment ago by someone else, after the caches and our read: judged, never taken over.
    if (created.kind === 'exists') throw new SecretTakenError(created.object);
  } else {
    // A merge patch names only our keys, so Skupper's annotations and any
    // other data are left as they are; the resourceVersion makes a
    // concurrent change fail (and requeue) instead of being overwritten.
    const patch = {
      metadata: {
        resourceVersion: secret.metadata?.resourceVersion,
        ...(historyChanged || revisionsChanged ? { annotations: { ...(historyChanged ? { [TRUST_HISTORY_ANNOTATION]: history } : {}), ...(revisionsChanged ? { [SKUPPER_PRIOR_VALID_REVISIONS]: revisions } : {}) } } : {}),
      },
      ...(changedKeys.length > 0 ? { data: Object.fromEntries(changedKeys.map((k) => [k, data[k]])) } : {}),
    };
    await d.writer.write(changedKeys.length > 0 ? 'update Secret data' : 'update trust history', fields,
      () => d.api.mergePatch(Resources.secret, namespace, secretName, patch, FIELD_MANAGER));
  }
  if (changedKeys.includes('ca.crt') || !secret) {
    const parts = [`+${added.length}`, `-${removed}`];
    const kept = retained.length > 0 ? `; ${retained.length} kept for the overlap, the first until ${new Date(Math.min(...retained.map((e) => e.retainedUntil?.getTime() ?? Infinity))).toISOString()}` : '';
    d.events.post(connector, 'Normal', 'TrustBundleUpdated', `${secretName} ca.crt now holds ${bundle.entries.length} certificate(s) (${parts.join(', ')})${kept}`);
  }
  return !d.config.dryRun;
}
