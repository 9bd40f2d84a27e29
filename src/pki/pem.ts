// PEM framing (RFC 7468) only: no ASN.1. Secrets are edited by hand, copied
// through terminals and concatenated by scripts, so the splitter is tolerant of
// CRLF, stray text and missing newlines, but it says what it skipped. Problem
// messages describe positions and labels only, never the encoded data, because
// the input may be a private key.
import { ProblemList } from './problems.js';

export interface PemBlock {
  /** The label, e.g. "CERTIFICATE" or "EC PRIVATE KEY". */
  type: string;
  der: Buffer;
  /** Normalized PEM text of this one block, ending in "\n". */
  pem: string;
  /** 1-based position among all BEGIN lines of the input, skipped blocks included, so messages of later layers match. */
  index: number;
}

export type PemProblemKind = 'stray-text' | 'bad-block';

export interface PemProblem {
  /** stray-text is harmless for TLS stacks (they skip it); bad-block means a block was lost. */
  kind: PemProblemKind;
  message: string;
}

// BEGIN and END lines are "-----BEGIN LABEL-----" anywhere in the text, the
// label free of dashes and line breaks (what /-----BEGIN ([^\r\n-]*)-----/
// matches), found by hand because indexOf is several times faster than the
// regex on megabyte inputs.
const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_LABEL = 40;

/** Splits PEM text into blocks; stray text and broken blocks are skipped and reported in `problems`. */
export function splitPem(input: string): { blocks: PemBlock[]; problems: string[] } {
  const { blocks, problems } = scanPem(input);
  return { blocks, problems: problems.map((p) => p.message) };
}

/** splitPem with each problem classified, for callers that tolerate stray text but not lost blocks. */
export function scanPem(input: string): { blocks: PemBlock[]; problems: PemProblem[] } {
  const problems = new ProblemList<PemProblemKind>('stray-text');
  const blocks: PemBlock[] = [];
  for (const block of pemSteps(input, problems)) if (block) blocks.push(block);
  return { blocks, problems: problems.finish() };
}

/**
 * The splitter one BEGIN line at a time: yields each block, or null for a
 * BEGIN line whose block was skipped (its problem is in `problems`). A step
 * does bounded work, so a caller can pause between steps and keep the event
 * loop free on a megabyte of input (certificate-scan.ts
 * scanCertificatesAsync); the blocks and problems are the same, in the same
 * order, however it pauses.
 */
export function* pemSteps(input: string, problems: ProblemList<PemProblemKind>): Generator<PemBlock | null, void, undefined> {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  let pos = 0;
  let index = 0;

  const stray = (from: number, to: number, where: string): void => {
    const chunk = text.slice(from, to);
    if (chunk.trim() !== '') {
      problems.push('stray-text', () => `${chunk.trim().length} characters of non-PEM text ${where}`);
    }
  };

  // Each search result is remembered and reused while it still lies ahead, so
  // every character is scanned a bounded number of times. Searching afresh for
  // END and the next BEGIN from every BEGIN made a text of many BEGIN lines
  // without END quadratic: about 20 s for 1 MB, from one tenant's ConfigMap.
  const begins = new Finder(BEGIN, text);
  const ends = new Finder(END, text);

  /** The block that starts at `begin`, or null when it is skipped; moves `pos` past what it read. */
  const step = (begin: Match): PemBlock | null => {
    index += 1;
    const label = begin.label;
    const at = index;
    // Built only for a problem that is kept, not for every block.
    const name = (): string => `block ${at} (${describeLabel(label)})`;
    stray(pos, begin.index, `before block ${index}`);
    const bodyStart = begin.end;

    const end = ends.from(bodyStart);
    const nextBegin = begins.from(bodyStart);
    if (!end || (nextBegin && nextBegin.index < end.index)) {
      problems.push('bad-block', () => `${name()}: no END line`);
      // Resume at the next BEGIN so one truncated block does not hide the rest.
      pos = nextBegin ? nextBegin.index : text.length;
      return null;
    }
    pos = end.end;

    const endLabel = end.label;
    if (endLabel !== label) {
      problems.push('bad-block', () => `${name()}: END label "${describeLabel(endLabel)}" does not match BEGIN`);
      return null;
    }
    const body = text.slice(bodyStart, end.index);
    if (/^[\t ]*[A-Za-z-]+:/m.test(body)) {
      // RFC 1421 headers only appear on legacy encrypted keys, which we cannot use without a passphrase.
      problems.push('bad-block', () => `${name()}: has PEM headers (legacy encrypted key?), not supported`);
      return null;
    }
    const b64 = body.replace(/\s+/g, '');
    if (b64 === '' || b64.length % 4 !== 0 || !BASE64.test(b64)) {
      problems.push('bad-block', () => `${name()}: invalid base64`);
      return null;
    }
    const der = Buffer.from(b64, 'base64');
    return { type: label, der, pem: toPem(label, der), index };
  };

  for (let begin = begins.from(pos); begin; begin = begins.from(pos)) yield step(begin);
  stray(pos, text.length, index === 0 ? 'and no PEM blocks' : `after block ${index}`);
}

interface Match {
  index: number;
  /** Just past the match. */
  end: number;
  label: string;
}

/**
 * The first BEGIN (or END) line at or after a position, for positions that
 * only grow: a result is reused while it is still ahead, and "none after
 * here" is remembered, so the text is scanned once overall instead of once
 * per question.
 */
class Finder {
  private searchedFrom = -1;
  private found: Match | undefined;

  constructor(private readonly marker: string, private readonly text: string) {}

  from(pos: number): Match | undefined {
    const cached = this.searchedFrom >= 0 && pos >= this.searchedFrom && (this.found === undefined || this.found.index >= pos);
    if (!cached) {
      this.found = this.search(pos);
      this.searchedFrom = pos;
    }
    return this.found;
  }

  private search(pos: number): Match | undefined {
    const text = this.text;
    for (let at = text.indexOf(this.marker, pos); at >= 0; at = text.indexOf(this.marker, at + 1)) {
      const labelStart = at + this.marker.length;
      let i = labelStart;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x0a || c === 0x0d || c === 0x2d) break;
      }
      // A failed candidate's label scan stops at the first dash, and the next
      // candidate starts at a dash, so no character is scanned twice.
      if (text.startsWith(DASHES, i)) return { index: at, end: i + DASHES.length, label: text.slice(labelStart, i) };
    }
    return undefined;
  }
}

/** PEM text for `der` with 64-column base64 and a trailing newline. */
export function toPem(type: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** A block label as messages show it: truncated, and "… PRIVATE KEY" in lower case. */
export function describeLabel(label: string): string {
  // Log pipelines' secret scanners alert on "PRIVATE KEY"; a message that only
  // names the kind of block must not look like a leaked key.
  const key = /^(.*?) ?PRIVATE KEY$/.exec(label);
  const text = key ? `${key[1] === 'ENCRYPTED' ? 'encrypted' : (key[1] ?? '')} private key`.trim() : label;
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL)}…` : text;
}
