// Renewal the `cmctl renew` way (SPEC §3): an Issuing=True condition with
// reason ManuallyTriggered, written to the /status subresource with a full
// PUT (a merge patch would replace the whole conditions list). The
// resourceVersion from our cache makes a concurrent status change fail with
// 409 instead of being overwritten; the controller retries on fresh data.
import { type Api } from '../../kube/api.js';
import { Resources } from '../../model/resources.js';
import { FIELD_MANAGER } from '../../model/annotations.js';
import type { Certificate, Condition } from '../../model/certmanager.js';
import type { Trigger } from '../../decisions/renewal.js';

export function issuingCondition(cert: Certificate, trigger: Trigger, now: Date): Condition {
  return {
    type: 'Issuing',
    status: 'True',
    reason: 'ManuallyTriggered',
    message: `Certificate re-issuance triggered by skupper-cert-rotator (${trigger})`,
    lastTransitionTime: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    ...(cert.metadata.generation !== undefined ? { observedGeneration: cert.metadata.generation } : {}),
  };
}

export async function renewCertificate(api: Api, cert: Certificate, trigger: Trigger, now: Date): Promise<void> {
  const conditions = [...(cert.status?.conditions ?? []).filter((c) => c.type !== 'Issuing'), issuingCondition(cert, trigger, now)];
  const body: Certificate = { ...cert, status: { ...cert.status, conditions } };
  await api.replaceStatus(Resources.certificate, cert.metadata.namespace, cert.metadata.name, body, FIELD_MANAGER);
}
