// A problem list that stops growing. One 1.5 MiB object can hold 50,000
// broken blocks; a message object for each is most of the parse time (garbage
// collection) and stays in the parse cache with the object. Consumers show a
// few problems and a count, so the first MAX_PROBLEMS are kept word for word
// and the rest are counted in one last entry.

export const MAX_PROBLEMS = 100;

export interface Problem<K extends string> {
  kind: K;
  message: string;
}

export class ProblemList<K extends string> {
  readonly items: Array<Problem<K>> = [];
  private omitted = 0;
  private omittedKind: K | undefined;

  constructor(private readonly harmless: K) {}

  push(kind: K, message: () => string): void {
    if (this.items.length < MAX_PROBLEMS) {
      this.items.push({ kind, message: message() });
      return;
    }
    this.omitted += 1;
    // The summary carries the most serious kind left out, so a caller that
    // tolerates harmless problems still sees that blocks were lost.
    if (this.omittedKind === undefined || this.omittedKind === this.harmless) this.omittedKind = kind;
  }

  /** The kept problems, then one entry counting the others. */
  finish(): Array<Problem<K>> {
    if (this.omitted > 0 && this.omittedKind !== undefined) {
      this.items.push({ kind: this.omittedKind, message: `… and ${this.omitted} more problem(s), not listed` });
      this.omitted = 0;
    }
    return this.items;
  }
}
