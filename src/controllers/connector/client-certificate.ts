// SPEC §4.2.5: the Connector's client Certificate, through the one
// owned-Certificate flow (owned/certificate-flow.ts) in the client
// certificate's words; its material once it is Ready and verifies.
import type { EventRecorder } from '../../kube/events.js';
import type { Certificate } from '../../model/certmanager.js';
import type { Connector } from '../../model/skupper.js';
import { WRONG_TYPE_REASON } from '../../decisions/secret-type.js';
import type { CertificateFlow, CertificateMaterial, CertificateRole } from '../../owned/certificate-flow.js';

/** The client certificate as the bundle Secret write sees it. */
export type ClientState =
  | { kind: 'none' }
  | { kind: 'pending' }
  | { kind: 'ready'; material: CertificateMaterial }
  | { kind: 'blocked'; reason: string };

const CLIENT_CERTIFICATE: CertificateRole = {
  renamed: () => 'renamed',
  wrongTypeSuffix: " (the client certificate's Secret)",
  secretPurpose: ' (for the client certificate)',
  secretAdvice: '',
  certificateNoun: 'the client Certificate',
  secretNoun: 'client certificate Secret',
  // A Ready client Certificate whose Secret is in neither cache waits for the caches (not read live, unlike a Listener's).
  readUncachedSecret: false,
  // Copied into the Connector's bundle Secret.
  copiesMaterial: true,
  writeFields: (connector, c) => ({ connector, certificate: c.metadata.name, client: true }),
  logFields: (connector, w) => ({
    connector,
    reason: w.reason,
    ...(w.reason === WRONG_TYPE_REASON ? { secret: w.secretName, type: w.secret.type } : {}),
    ...(w.reason === 'VerificationFailed' ? { reasons: w.reasons } : {}),
  }),
};

/**
 * The client Certificate of `connector` (`desired`; none when
 * spec.useClientCert is off): its problems go to `problems`, in the order
 * reported; a block is left to the caller, which reports it with the others.
 */
export async function clientCertificate(flow: CertificateFlow, events: EventRecorder, connector: Connector, desired: Certificate | undefined, problems: string[]): Promise<ClientState> {
  if (!desired) {
    await flow.deleteOwned('Connector', connector, 'spec.useClientCert is off');
    return { kind: 'none' };
  }
  const outcome = await flow.reconcile({ kind: 'Connector', owner: connector, desired, hosts: [], role: CLIENT_CERTIFICATE });
  problems.push(...outcome.problems);
  if (outcome.kind === 'blocked') return { kind: 'blocked', reason: outcome.reason };
  // Created, updated, not Ready, failing verification: the client certificate we have is kept until its successor verifies.
  if (outcome.kind !== 'verified') return { kind: 'pending' };
  if (outcome.isNewRevision) {
    events.post(connector, 'Normal', 'ClientCertificateIssued',
      `client certificate ${desired.metadata.name} revision ${outcome.revision} verified (valid until ${outcome.leaf?.notAfter.toISOString() ?? '?'}); copied into ${connector.spec.tlsCredentials ?? 'the Connector Secret'}`);
  }
  // The flow reads a Secret whole for a role that copies its material, so a verified one has it.
  if (!outcome.material) throw new Error(`client certificate Secret ${connector.metadata.namespace}/${desired.metadata.name} verified without its texts`);
  return { kind: 'ready', material: outcome.material };
}
