// Connection to the API server: the --kubeconfig file when given, else
// client-node's default chain ($KUBECONFIG, ~/.kube/config, in-cluster).
import * as k8s from '@kubernetes/client-node';
import { ConfigError } from '../config/config.js';

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

/**
 * loadKubeConfig for the --kubeconfig flag: a file that does not parse, or
 * no configuration at all, is a bad flag value (exit 2, one line), not a
 * crash. Only the parser's first line is kept: the lines after it quote the
 * file, which holds credentials.
 */
export function kubeConfigFromFlag(path: string): k8s.KubeConfig {
  try {
    return loadKubeConfig(path);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    throw new ConfigError('kubeconfig', `${path === '' ? 'no usable kubeconfig' : `cannot use ${JSON.stringify(path)}`}: ${first.slice(0, 200)}`);
  }
}

/** The API server's version; proves the connection and the credentials work. */
export async function serverVersion(kc: k8s.KubeConfig): Promise<string> {
  const info = await kc.makeApiClient(k8s.VersionApi).getCode();
  return info.gitVersion;
}
