// The record of handled manual renew requests lives on our Certificate
// (renew-handled and renew-handled-revision, written by the renewal
// controller). The desired Certificate carries the Listener's or Connector's
// current renew value only so that a *new* Certificate does not take the value
// already present as a request. On an update it must carry the record as it
// is: re-applying the current value would mark a request that arrived with the
// same edit (say, a new renew value and a new prior-valid-revisions) as
// handled although nothing triggered it, and the request would be lost.
import { Annotations } from '../model/annotations.js';
import type { Certificate } from '../model/certmanager.js';

const RECORD = [Annotations.renewHandled, Annotations.renewHandledRevision] as const;

/** `desired` with the renew record of `existing` in place of its own. */
export function keepRenewRecord(desired: Certificate, existing: Certificate): Certificate {
  const others = Object.entries(desired.metadata.annotations ?? {}).filter(([k]) => !(RECORD as readonly string[]).includes(k));
  const record = RECORD.flatMap((k) => {
    const value = existing.metadata.annotations?.[k];
    return value === undefined ? [] : [[k, value] as const];
  });
  const annotations = Object.fromEntries([...others, ...record]);
  const metadata = Object.assign({}, desired.metadata);
  delete metadata.annotations;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { ...desired, metadata };
}
