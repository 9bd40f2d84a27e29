// Skupper 2.2.1 configures a CA file (caCertFile) for every Listener's TLS
// profile, although a server that does not ask for client certificates has no
// use for it. With an empty or missing ca.crt the router refuses the whole
// tcpListener ("Failed to configure TLS caCertFile …: (-1)") and Skupper shows
// only "Not Matched", with no TLS reason (verified on a real site,
// ../shared/notes/real-skupper-site.md). The §4.4 gate already refuses such a
// Secret (MissingCA); this names what it does to Skupper and what to do.

export const LISTENER_CA_MISSING = 'ListenerCAMissing';

export interface ListenerCaContext {
  namespace: string;
  listener: string;
  secret: string;
  /** Issued by a Certificate of the daemon's. */
  managed: boolean;
  /** spec.tlsCredentials names the Secret, so Skupper uses it now. */
  wired: boolean;
}

/** The problem text for a Listener whose Secret has no usable ca.crt. */
export function listenerCaMissingMessage(c: ListenerCaContext): string {
  const secret = `Secret ${c.namespace}/${c.secret}`;
  const effect = c.wired
    ? 'so the Skupper router refuses this listener ("Failed to configure TLS caCertFile") and the Listener\'s status says only "Not Matched"'
    : 'so it is not wired: the Skupper router would refuse this listener ("Failed to configure TLS caCertFile")';
  const fix = c.managed
    ? `use an issuer that puts its CA into ca.crt (a CA, SelfSigned or Vault issuer; ACME issuers leave it empty), then skupper-cert-rotator renew listener/${c.listener} -n ${c.namespace}`
    : `add the CA certificate that issued tls.crt to ca.crt of ${secret}`;
  return `${secret} has no ca.crt (missing or empty). Skupper configures a CA file for every Listener's TLS profile, ${effect}. To fix: ${fix}`;
}
