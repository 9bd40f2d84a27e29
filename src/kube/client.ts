// Connection to the API server: the --kubeconfig file when given, else
// client-node's default chain ($KUBECONFIG, ~/.kube/config, in-cluster).
import * as k8s from '@kubernetes/client-node';

export function loadKubeConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (path !== '') kc.loadFromFile(path);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error('no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a pod');
  }
  return kc;
}

/** The API server's version; proves the connection and the credentials work. */
export async function serverVersion(kc: k8s.KubeConfig): Promise<string> {
  const info = await kc.makeApiClient(k8s.VersionApi).getCode();
  return info.gitVersion;
}
