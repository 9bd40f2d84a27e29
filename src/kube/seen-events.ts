// What the Event recorder remembers it has written, for dedupe: per object,
// digests of (reason, note). Kept under the object's uid string, which its
// cached object already holds, with one digest as a bare string (nearly every
// object has one or two Events). A joined "uid\0digest" key per Event, a
// slice of a longer digest and a timestamp were about 200 bytes per Event
// (issue 16); this is about 85 (test/unit/kube/seen-events.test.ts).
// Bounded: past `limit` digests, the oldest object's oldest digest is
// forgotten first.

type Digests = string | string[];

export class SeenEvents {
  private readonly byObject = new Map<string, Digests>();
  private count = 0;

  constructor(private readonly limit: number) {}

  has(uid: string, digest: string): boolean {
    const d = this.byObject.get(uid);
    return d === digest || (Array.isArray(d) && d.includes(digest));
  }

  add(uid: string, digest: string): void {
    if (this.has(uid, digest)) return;
    const d = this.byObject.get(uid);
    this.byObject.set(uid, d === undefined ? digest : typeof d === 'string' ? [d, digest] : d.concat([digest]));
    this.count += 1;
    while (this.count > this.limit) this.dropOldest();
  }

  /** Forgets one digest (an Event that could not be written, to be tried again). */
  delete(uid: string, digest: string): void {
    const d = this.byObject.get(uid);
    if (d === digest) this.byObject.delete(uid);
    else if (Array.isArray(d) && d.includes(digest)) {
      const rest = d.filter((x) => x !== digest);
      this.byObject.set(uid, rest.length === 1 ? (rest[0] ?? '') : rest);
    } else return;
    this.count -= 1;
  }

  /** Forgets every digest of one object. */
  forget(uid: string): void {
    const d = this.byObject.get(uid);
    if (d === undefined) return;
    this.byObject.delete(uid);
    this.count -= typeof d === 'string' ? 1 : d.length;
  }

  /** Digests remembered, across objects. */
  get size(): number {
    return this.count;
  }

  private dropOldest(): void {
    const first = this.byObject.entries().next();
    if (first.done === true) {
      this.count = 0;
      return;
    }
    const [uid, d] = first.value;
    if (typeof d === 'string') {
      this.byObject.delete(uid);
      this.count -= 1;
      return;
    }
    this.delete(uid, d[0] ?? '');
  }
}
