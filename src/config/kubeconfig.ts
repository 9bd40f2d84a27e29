// The --kubeconfig flag: a kubeconfig that cannot be used is a bad flag
// value like any other (ConfigError), reported without its contents.
import type * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../kube/client.js';
import { ConfigError } from './config.js';

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
