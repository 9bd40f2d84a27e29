// The API resources the product reads and writes, and the custom resources
// it needs installed (with how to install them when they are missing).
import { CoreResources, type ResourceType } from '../kube/api.js';

export const Resources = {
  secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  configMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  namespace: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  listener: { group: 'skupper.io', version: 'v2alpha1', plural: 'listeners', kind: 'Listener', namespaced: true },
  connector: { group: 'skupper.io', version: 'v2alpha1', plural: 'connectors', kind: 'Connector', namespaced: true },
  certificate: { group: 'cert-manager.io', version: 'v1', plural: 'certificates', kind: 'Certificate', namespaced: true },
  issuer: { group: 'cert-manager.io', version: 'v1', plural: 'issuers', kind: 'Issuer', namespaced: true },
  clusterIssuer: { group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers', kind: 'ClusterIssuer', namespaced: false },
  ...CoreResources,
} as const satisfies Record<string, ResourceType>;

/** How to install what is missing, per API group. Kept generic: versions change, the entry points do not. */
export const CRD_INSTALL_HINTS: Readonly<Record<string, string>> = {
  'skupper.io': 'install Skupper v2 (its CRDs come with it: kubectl apply -f https://skupper.io/v2/install.yaml, or the skupper-cluster-scope.yaml of a Skupper release; the CRDs alone are in config/crd/bases of the skupperproject/skupper repository)',
  'cert-manager.io': 'install cert-manager with its CRDs (https://cert-manager.io/docs/installation/: kubectl apply -f https://github.com/cert-manager/cert-manager/releases/download/<version>/cert-manager.yaml, or Helm with --set crds.enabled=true)',
};

/** The custom resources every part of the program reads. */
export function requiredResources(opts: { clusterIssuers: boolean; issuers: boolean }): ResourceType[] {
  return [
    Resources.listener, Resources.connector, Resources.certificate,
    ...(opts.issuers ? [Resources.issuer] : []),
    ...(opts.issuers && opts.clusterIssuers ? [Resources.clusterIssuer] : []),
  ];
}
