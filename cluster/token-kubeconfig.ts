// A kubeconfig for a ServiceAccount, with a fresh TokenRequest token, against
// the current cluster of `kc`: how tests and benchmarks run the daemon as the
// manifests' identity instead of an admin.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export async function serviceAccountKubeconfig(kc: k8s.KubeConfig, namespace: string, name: string): Promise<string> {
  const tr = await kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({
    name, namespace, body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const caData = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : '');
  const file = join(mkdtempSync(join(tmpdir(), 'scr-sa-')), 'kubeconfig');
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: local', '  cluster:', `    server: ${cluster.server}`, `    certificate-authority-data: ${caData}`,
    'users:', `- name: ${name}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: sa', `  context: {cluster: local, user: ${name}}`, 'current-context: sa', '',
  ].join('\n'), { mode: 0o600 });
  return file;
}
