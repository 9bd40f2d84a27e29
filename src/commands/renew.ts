// `skupper-cert-rotator renew (listener|connector)/NAME -n NS`: asks the
// daemon for a manual renewal by setting skupper-cert-rotator.io/renew on the
// object (SPEC §4.3 `manual`), then waits for the new revision. Going through
// the annotation, not straight to cert-manager, means the renewal is counted,
// never performed twice, and recorded on the object for whoever looks next.
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { desiredConnector } from '../decisions/connector-desired.js';
import { clientCertificateName } from '../decisions/names.js';
import { desiredListenerCertificate } from '../decisions/listener-desired.js';
import { Api, isNotFound } from '../kube/api.js';
import { CRD_INSTALL_HINTS, Resources, requiredResources } from '../model/resources.js';
import { kubeConfigFromFlag } from '../config/kubeconfig.js';
import { requireResources } from '../kube/crd-check.js';
import { USER_AGENT } from '../version.js';
import { Annotations } from '../model/annotations.js';
import { isReady, type Certificate } from '../model/certmanager.js';
import type { Connector, Listener } from '../model/skupper.js';

const WAIT_MS = 120_000;
const CLI_FIELD_MANAGER = 'skupper-cert-rotator-cli';

export interface Output {
  out: (s: string) => void;
  err: (s: string) => void;
}

function parseTarget(target: string | undefined): { kind: 'listener' | 'connector'; name: string } {
  const m = /^(listener|connector)s?\/(.+)$/i.exec(target ?? '');
  if (!m?.[1] || !m[2]) throw new ConfigError('renew', `expected listener/NAME or connector/NAME, got "${target ?? ''}"`);
  return { kind: m[1].toLowerCase() as 'listener' | 'connector', name: m[2] };
}

export async function renewCommand(config: Config, positional: string[], namespace: string | undefined, io: Output): Promise<number> {
  const { kind, name } = parseTarget(positional[0]);
  if (positional.length > 1) throw new ConfigError('renew', `unexpected argument "${positional[1] ?? ''}"`);
  const ns = namespace ?? 'default';
  const api = new Api(kubeConfigFromFlag(config.kubeconfig), USER_AGENT);
  try {
    // A clear "install these CRDs" rather than "listener not found" or a 404.
    await requireResources(api, requiredResources({ clusterIssuers: false, issuers: false }), CRD_INSTALL_HINTS);
    const type = kind === 'listener' ? Resources.listener : Resources.connector;
    let obj: Listener | Connector;
    try {
      obj = await api.get<Listener | Connector>(type, ns, name);
    } catch (err) {
      if (isNotFound(err)) {
        io.err(`${kind} ${ns}/${name} not found\n`);
        return 1;
      }
      throw err;
    }
    let certName: string | undefined;
    if (kind === 'listener') {
      const d = desiredListenerCertificate(obj as Listener, config);
      if (d.kind === 'managed') certName = d.secretName;
    } else {
      const d = desiredConnector(obj as Connector, config);
      if (d.kind === 'managed' && d.client) certName = clientCertificateName(obj);
    }
    if (certName === undefined) {
      io.err(`${kind} ${ns}/${name} has no certificate managed by skupper-cert-rotator to renew${kind === 'connector' ? ' (only a useClientCert client certificate is renewable; a trust bundle follows its sources)' : ' (no issuer annotation, or an invalid one: see its Events)'}\n`);
      return 1;
    }
    let before: Certificate;
    try {
      before = await api.get<Certificate>(Resources.certificate, ns, certName);
    } catch (err) {
      if (isNotFound(err)) {
        io.err(`Certificate ${ns}/${certName} does not exist yet; nothing to renew\n`);
        return 1;
      }
      throw err;
    }
    const revision = before.status?.revision ?? 0;
    const value = new Date().toISOString();
    await api.mergePatch(type, ns, name, { metadata: { annotations: { [Annotations.renew]: value } } }, CLI_FIELD_MANAGER);
    io.out(`renewal of Certificate ${ns}/${certName} (revision ${revision}) requested on ${kind}/${name}; waiting for the new revision...\n`);
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const cert = await api.get<Certificate>(Resources.certificate, ns, certName);
      const now = cert.status?.revision ?? 0;
      if (now > revision && isReady(cert)) {
        io.out(`renewed: Certificate ${ns}/${certName} revision ${now}, valid until ${cert.status?.notAfter ?? '?'}\n`);
        return 0;
      }
    }
    io.err(`no new revision of ${ns}/${certName} after ${WAIT_MS / 1000}s. Is the skupper-cert-rotator daemon running? The request stays recorded in ${Annotations.renew}=${value} on ${kind}/${name}; see its Events.\n`);
    return 1;
  } finally {
    api.close();
  }
}
