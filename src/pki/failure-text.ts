// How the gate's failure messages name things. They reach Events, status
// and logs, where an operator must be able to read them, and the names in
// them come from tenant objects, which must not be able to flood or forge them.

export const MAX_LISTED = 10;

export function list(items: string[]): string {
  // Quoted only when needed, so the usual "[backend, backend.east]" stays readable and a
  // value with a comma cannot pass for two.
  const shown = items.slice(0, MAX_LISTED).map((i) => (/[\s",[\]]/.test(i) ? quote(i) : i)).join(', ');
  const more = items.length > MAX_LISTED ? `, … (${items.length - MAX_LISTED} more)` : '';
  return `[${shown}${more}]`;
}

/** Problems joined for one message, at most MAX_LISTED: a hostile object may hold tens of thousands. */
export function joinProblems(messages: string[]): string {
  const more = messages.length > MAX_LISTED ? `; … (${messages.length - MAX_LISTED} more)` : '';
  return `${messages.slice(0, MAX_LISTED).join('; ')}${more}`;
}

export function quote(text: string): string {
  return JSON.stringify(text);
}

export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
