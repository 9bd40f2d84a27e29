// What every informer does to an object before caching it: drop
// metadata.managedFields (the API server's field ownership records, often
// the biggest part of an object, read by no controller here).
import type { KubernetesObject } from '@kubernetes/client-node';
import { withoutKeys } from '../util/without-keys.js';

/**
 * Drops metadata.managedFields by making metadata again without it: on Node
 * 24, `delete` of that key turns the parsed metadata into a dictionary-mode
 * object: a 448-byte hash table for every cached object, 1.3 KiB of the
 * 15.6 KiB of heap a Listener cost at N = 1,000 (a Listener, a Certificate
 * and a Secret cached).
 */
export function stripManagedFields(obj: KubernetesObject): void {
  if (obj.metadata === undefined) return;
  obj.metadata = withoutKeys(obj.metadata, (k) => k === 'managedFields');
}
