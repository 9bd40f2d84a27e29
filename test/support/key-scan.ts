// Finds private-key material in text the daemon produced: PEM private-key
// markers, and pieces of the actual keys the cluster holds (so a key logged
// as bare base64, or inside a base64-encoded Secret value, is found too).
// Pure, so it has a unit test of its own that shows it finds what it must.

export interface KeyNeedle {
  /** Where the key lives, e.g. "secret ns/name tls.key". */
  origin: string;
  pieces: string[];
}

export interface Finding {
  source: string;
  what: string;
}

const MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PRIVATE KEY-----/;
const PIECE = 32;

/** Needles for one PEM text holding private keys: a piece of each key body, and of its base64 form as a Secret's data value. */
export function keyNeedles(origin: string, pem: string, dataValue?: string): KeyNeedle | undefined {
  const pieces: string[] = [];
  for (const m of pem.matchAll(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----([\s\S]*?)-----END/g)) {
    const body = (m[1] ?? '').replace(/\s+/g, '');
    // The start of the second 64-column line: past the ASN.1 header that keys
    // of one kind share, and contiguous whether the key is logged wrapped or not.
    if (body.length >= 64 + PIECE) pieces.push(body.slice(64, 64 + PIECE));
  }
  if (dataValue !== undefined && dataValue.length >= 120 + PIECE) pieces.push(dataValue.slice(120, 120 + PIECE));
  return pieces.length > 0 ? { origin, pieces } : undefined;
}

/** Pieces to the key they come from, for a scan linear in the text. */
export type NeedleIndex = Map<string, string>;

export function indexNeedles(needles: readonly KeyNeedle[]): NeedleIndex {
  const index: NeedleIndex = new Map();
  for (const n of needles) for (const p of n.pieces) index.set(p, n.origin);
  return index;
}

/**
 * Every piece is PIECE base64 characters, so it can only sit inside a run of
 * base64 characters at least that long; such runs are rare in logs, and each
 * offset in them is one set lookup.
 */
export function scanText(source: string, text: string, index: NeedleIndex): Finding[] {
  const findings: Finding[] = [];
  const marker = MARKER.exec(text);
  if (marker) findings.push({ source, what: `a PEM private-key marker at offset ${marker.index}` });
  const found = new Set<string>();
  for (const run of text.matchAll(/[A-Za-z0-9+/]{32,}/g)) {
    const r = run[0];
    for (let i = 0; i + PIECE <= r.length; i++) {
      const origin = index.get(r.slice(i, i + PIECE));
      if (origin !== undefined) found.add(origin);
    }
  }
  for (const origin of found) findings.push({ source, what: `material of ${origin}` });
  return findings;
}
