// Everything the integration suite sees the daemon say (logs, stderr,
// metrics scrapes, CLI output), kept so a last check can scan it all for
// private-key material (issue 12 §5). Events are read from the cluster then.

export interface Captured {
  source: string;
  text: string;
}

const texts: Captured[] = [];
const live = new Set<() => Captured[]>();

/** Records a finished piece of output. */
export function capture(source: string, text: string): void {
  if (text !== '') texts.push({ source, text });
}

/** Registers output that keeps growing (a running daemon's logs); read at scan time. */
export function captureLive(read: () => Captured[]): void {
  live.add(read);
}

export function everythingCaptured(): Captured[] {
  return [...texts, ...[...live].flatMap((read) => read())];
}
