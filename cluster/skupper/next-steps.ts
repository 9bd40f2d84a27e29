// What `npm run local` prints once traffic flows through the real site: what
// runs where, and the commands to try next, written for someone who has not
// read the docs. Pure: values in, text out.

/** `text` as one shell word: as it is when it needs no quoting, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

export interface Scenario {
  namespace: string;
  /** The sample Listener and Connector (one routing key). */
  listener: string;
  connector: string;
  /** The Listener's spec.host: the name clients send and verify. */
  host: string;
  servicePort: number;
  /** The router's own port for the Listener on 127.0.0.1. */
  routerPort: number;
  /** host:port of the kube-proxy stand-in for the Listener's Service, which the daemon's --probe dials. */
  serviceProxy: string;
  backendPort: number;
  listenerSecret: string;
  connectorSecret: string;
  /** The CA the Listener's certificate chains to, written to a file for the commands (path as printed). */
  caFile: string;
  kubeconfig: string;
  metricsUrl: string;
  routerMetricsUrl: string;
  /** From the samples being applied to the first request through the router. */
  afterMs: number;
  served: { serial: string; notAfter: string; subject: string };
  protocol: string | null;
  /** The first line of the backend's answer. */
  answer: string;
}

export function nextSteps(s: Scenario): string {
  const ca = shellQuote(s.caFile);
  const connect = `-connect 127.0.0.1:${s.routerPort} -servername ${s.host} -CAfile ${ca}`;
  return [
    '',
    `A real Skupper site runs in namespace ${s.namespace} (Skupper controller, skupper-router, kube-adaptor as local processes), and traffic flows through it:`,
    `  client --TLS--> router port 127.0.0.1:${s.routerPort} (Listener ${s.listener}, host ${s.host}: the Service ${s.host}:${s.servicePort} of a real cluster; certificate from cert-manager in Secret ${s.listenerSecret})`,
    `         --TLS--> backend localhost:${s.backendPort} (Connector ${s.connector}: the router verifies it with the CA bundle in Secret ${s.connectorSecret})`,
    `  a request through the router just now (${(s.afterMs / 1000).toFixed(1)} s after the samples were applied): ${s.protocol ?? 'TLS'}, served ${s.served.subject}, serial ${s.served.serial}, not after ${s.served.notAfter}`,
    `  the backend answered: ${s.answer}`,
    '',
    'Try it in another terminal (this one keeps showing the daemon\'s logs; Ctrl-C stops the daemon, the cluster keeps running):',
    '',
    `  export KUBECONFIG=${shellQuote(s.kubeconfig)}`,
    '',
    '  # The certificate the router serves for the Listener, verified against the CA that issued it:',
    `  openssl s_client ${connect} -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -subject -serial -enddate`,
    '',
    '  # A request through the router to the backend (TLS on both hops):',
    `  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -quiet -verify_return_error ${connect}`,
    '',
    '  # What the daemon knows: every Listener and Connector, its Secret, expiry, renewal time and state:',
    `  npm start -- status -n ${s.namespace}`,
    '',
    '  # Its Prometheus metrics (expiry, renewals, problems per object):',
    `  curl -s ${s.metricsUrl} | grep 'namespace="${s.namespace}"'`,
    `  # Whether the Listener's Service serves the certificate in its Secret (the daemon probes it through ${s.serviceProxy}, standing in for kube-proxy):`,
    `  curl -s ${s.metricsUrl} | grep 'served_certificate_current{namespace="${s.namespace}",kind="listener",name="${s.listener}"'`,
    `  # and the router's own: ${s.routerMetricsUrl}`,
    '',
    '  # Renew the Listener\'s certificate now (it sets the annotation skupper-cert-rotator.io/renew; the daemon asks cert-manager):',
    `  npm start -- renew listener/${s.listener} -n ${s.namespace}`,
    '  # This terminal then says when the router serves the new certificate and when the daemon\'s probe sees it (served_certificate_current 1);',
    '  # the openssl command above shows the new serial.',
    '',
  ].join('\n');
}
