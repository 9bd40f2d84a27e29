// Node hands a certificate's subjectAltName over as one line of text, and
// the values in it are chosen by whoever made the certificate: reading it
// back into entries is where a forged second name would get in.

export interface SanEntry {
  /** The prefix Node prints: "DNS", "IP Address", "email", "URI", "DirName", … */
  type: string;
  value: string;
}

/** Entries of X509Certificate.subjectAltName, with Node's JSON-quoted values decoded. */
export function parseSubjectAltName(text: string | undefined): SanEntry[] {
  // Node prints "DNS:a, IP Address:10.0.0.1". Since the fix for CVE-2021-44532 a
  // value holding a comma, quote or control character is printed as a JSON
  // string (DNS:"a\u002c b"); older releases printed it raw. Splitting naively on
  // ", " would let one SAN "evil, DNS:backend" pass for a second name. Like
  // Node's own tls.checkServerIdentity, quoted parts are decoded wherever they
  // appear in an entry, so a fully quoted entry ("DNS:a\u002c b") works too.
  if (text === undefined) return [];
  const entries: SanEntry[] = [];
  let token = '';
  let broken = false;
  const flush = (): void => {
    const colon = token.indexOf(':');
    // An entry we cannot decode matches nothing, which is the safe direction.
    if (!broken && colon > 0) entries.push({ type: token.slice(0, colon), value: token.slice(colon + 1) });
    token = '';
    broken = false;
  };
  // Copied in runs between the characters that matter, not one character at a
  // time: a certificate may carry tens of thousands of SANs.
  let i = 0;
  while (i < text.length) {
    SAN_SPECIAL.lastIndex = i;
    const special = SAN_SPECIAL.exec(text);
    const at = special ? special.index : text.length;
    token += text.slice(i, at);
    i = at;
    if (!special) break;
    if (special[0] === '"') {
      const end = closingQuote(text, i);
      const decoded = end < 0 ? undefined : jsonString(text.slice(i, end + 1));
      if (decoded === undefined) {
        broken = true;
        break;
      }
      token += decoded;
      i = end + 1;
    } else if (text.charAt(i + 1) === ' ') {
      flush();
      i += 2;
    } else {
      token += ',';
      i += 1;
    }
  }
  flush();
  return entries;
}

const SAN_SPECIAL = /[",]/g;

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

function jsonString(text: string): string | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
