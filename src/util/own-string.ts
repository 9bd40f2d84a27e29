// A string kept for long (in a cache) should not be a slice of a longer one:
// V8 makes a substring of 13 or more characters a view that keeps the whole
// original alive. Names split out of a certificate's subjectAltName line
// kept that line, and the entry each came from, for as long as the parsed
// certificate was cached.

/** An equal string that holds no other: a fresh copy (JSON keeps lone surrogates too). */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
