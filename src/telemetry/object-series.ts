// The per-object series (SPEC §5: one label set of namespace, kind, name and
// secret per Listener or Connector, several gauges each) in one table: a row
// per label set, its label text escaped once when the row is made, rendered
// by concatenation. prom-client's Gauge keeps a hash string and a labels copy
// per series and formats every label of every series on every scrape: with
// 10,000 objects (70,000 series) that was about 140 MB of heap and 200-900 ms
// of blocked event loop per scrape (issue 16). The text is kept until a value
// changes: a steady state renders nothing. It is kept as UTF-8 bytes, written
// to the scrape as they are: encoding 9.4 MB of text (10,000 objects) again on
// every scrape was most of its remaining time. Once rendered it is compressed
// in the background and only that is kept (deflated-prefix.ts): the text was
// 1 KiB of the daemon's memory per Listener and compresses 20-fold, and a
// scrape that takes gzip (Prometheus's does) is sent those bytes as they are.
import { deflatePrefix, inflatePrefixSync, type DeflatedPrefix } from './deflated-prefix.js';

export const OBJECT_LABELS = ['namespace', 'kind', 'name', 'secret'] as const;
export type ObjectLabel = (typeof OBJECT_LABELS)[number];
export type ObjectLabels = Record<ObjectLabel, string>;

export interface ObjectFamily<M extends string> {
  key: M;
  name: string;
  help: string;
}

interface Row {
  /** `{namespace="…",kind="…",name="…",secret="…"}`, escaped. */
  text: string;
  /** Value per family index; undefined where that gauge has no series for this label set. */
  values: (number | undefined)[];
  count: number;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** As prom-client writes a sample value. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function labelText(l: ObjectLabels): string {
  return `{namespace="${escapeLabel(l.namespace)}",kind="${escapeLabel(l.kind)}",name="${escapeLabel(l.name)}",secret="${escapeLabel(l.secret)}"}`;
}

export class ObjectSeries<M extends string> {
  private readonly rows = new Map<string, Row>();
  private readonly index = new Map<M, number>();
  /** The last render, until a series changes or it is packed. */
  private plain: Buffer | undefined;
  /** The last render compressed, until a series changes. */
  private packed: DeflatedPrefix | undefined;
  /** Counts changes, so a compression that finishes after one is dropped. */
  private version = 0;
  private packing = -1;
  private lastPack: Promise<void> = Promise.resolve();

  constructor(private readonly families: readonly ObjectFamily<M>[]) {
    families.forEach((f, i) => this.index.set(f.key, i));
  }

  /** Sets these values of the label set; with `drop`, removes those of `drop` not in `values`. */
  update(labels: ObjectLabels, values: Partial<Record<M, number>>, drop: readonly M[] = []): void {
    const key = labelText(labels);
    let row = this.rows.get(key);
    for (const [metric, value] of Object.entries(values) as [M, number | undefined][]) {
      if (value === undefined) continue;
      row ??= this.newRow(key);
      const i = this.at(metric);
      const before = row.values[i];
      if (before === value) continue;
      if (before === undefined) row.count++;
      row.values[i] = value;
      this.changed();
    }
    if (row && drop.length > 0) this.drop(key, row, drop.filter((m) => values[m] === undefined));
  }

  /** Removes these series of the label set (all of them by default). */
  remove(labels: ObjectLabels, metrics: readonly M[] = this.families.map((f) => f.key)): void {
    const key = labelText(labels);
    const row = this.rows.get(key);
    if (row) this.drop(key, row, metrics);
  }

  /** The value of one series, or undefined (for tests). */
  value(metric: M, labels: ObjectLabels): number | undefined {
    return this.rows.get(labelText(labels))?.values[this.at(metric)];
  }

  /** Every family in the Prometheus text format, HELP and TYPE included even without samples. */
  render(): string {
    const table = this.table();
    return ('plain' in table ? table.plain : inflatePrefixSync(table.deflated)).toString('utf8');
  }

  /**
   * render() as UTF-8: compressed when nothing changed since it was packed,
   * else the plain bytes (made now if need be), which are then packed in the
   * background for the scrapes after this one.
   */
  table(): { plain: Buffer } | { deflated: DeflatedPrefix } {
    if (this.packed) return { deflated: this.packed };
    const plain = (this.plain ??= Buffer.from(this.build(), 'utf8'));
    if (this.packing !== this.version) this.pack(plain);
    return { plain };
  }

  /** Whether the kept render is compressed (for tests). */
  get isPacked(): boolean {
    return this.packed !== undefined;
  }

  /** Bytes of the kept render, compressed or not (for benchmarks). */
  get keptBytes(): number {
    return this.packed?.data.length ?? this.plain?.length ?? 0;
  }

  /** Resolves when the last compression started has finished, kept or not (for tests and benchmarks). */
  settled(): Promise<void> {
    return this.lastPack;
  }

  private pack(plain: Buffer): void {
    const version = (this.packing = this.version);
    this.lastPack = deflatePrefix(plain).then(
      (packed) => {
        if (this.version !== version) return;
        this.packed = packed;
        this.plain = undefined;
      },
      // zlib failing (out of memory) leaves the plain bytes kept, as before.
      () => undefined,
    );
  }

  private changed(): void {
    this.version++;
    this.plain = undefined;
    this.packed = undefined;
  }

  private build(): string {
    const out: string[] = [];
    this.families.forEach((f, i) => {
      const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`];
      for (const row of this.rows.values()) {
        const v = row.values[i];
        if (v !== undefined) lines.push(`${f.name}${row.text} ${formatValue(v)}`);
      }
      out.push(lines.join('\n'));
    });
    return out.join('\n\n');
  }

  private newRow(key: string): Row {
    const row: Row = { text: key, values: new Array<number | undefined>(this.families.length).fill(undefined), count: 0 };
    this.rows.set(key, row);
    return row;
  }

  private drop(key: string, row: Row, metrics: readonly M[]): void {
    for (const m of metrics) {
      const i = this.at(m);
      if (row.values[i] === undefined) continue;
      row.values[i] = undefined;
      row.count--;
      this.changed();
    }
    if (row.count === 0) this.rows.delete(key);
  }

  private at(metric: M): number {
    const i = this.index.get(metric);
    if (i === undefined) throw new Error(`unknown per-object metric ${metric}`);
    return i;
  }
}
