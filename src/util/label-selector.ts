// Kubernetes label-selector syntax, as k8s.io/apimachinery/pkg/labels parses
// it (Parse): a hand-written lexer and a single pass over its tokens, so a
// selector is checked in time linear in its length. A regex over the whole
// selector would backtrack; each regex here runs on one bounded token.
import { isDnsSubdomain } from './dnsname.js';

type Tok =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '=' | '==' | '!=' | '>' | '<' }
  | { t: '!' | '(' | ')' | ',' | 'end' };

const MAX_NAME = 63;
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const INT64_MAX = 9_223_372_036_854_775_807n;

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isSpecial(c: string): boolean {
  return c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';
}

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (isSpecial(c)) {
      // Longest match, as apimachinery's scanSpecialSymbol: "!=" and "==" before "!" and "=".
      const two = s.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if (c === '=' || c === '>' || c === '<') {
        out.push({ t: 'op', v: c });
        i++;
      } else {
        out.push({ t: c as '!' | '(' | ')' | ',' });
        i++;
      }
      continue;
    }
    const start = i;
    while (i < s.length && !isSpecial(s[i] ?? '') && !isWhitespace(s[i] ?? '')) i++;
    out.push({ t: 'id', v: s.slice(start, i) });
  }
  out.push({ t: 'end' });
  return out;
}

function show(v: string): string {
  return JSON.stringify(v.length > 64 ? `${v.slice(0, 60)}…` : v);
}

/** Why `key` is not a label key (an optional DNS-subdomain prefix and '/', then a name of at most 63 characters), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `label key ${show(key)} has more than one '/'`;
  const name = parts.length === 2 ? parts[1] ?? '' : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '' || !isDnsSubdomain(prefix)) return `label key prefix ${show(prefix)} is not a DNS subdomain (lower-case letters, digits, '-' and '.')`;
  }
  if (name === '') return `label key ${show(key)} has an empty name`;
  if (name.length > MAX_NAME || !NAME.test(name)) return `label key name ${show(name)} must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  return undefined;
}

/** Why `value` is not a label value (empty, or at most 63 characters like a key name), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > MAX_NAME || !NAME.test(value)) return `label value ${show(value)} must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  return undefined;
}

function describe(tok: Tok): string {
  if (tok.t === 'end') return 'the end';
  if (tok.t === 'id' || tok.t === 'op') return show(tok.v);
  return `'${tok.t}'`;
}

/**
 * Why `selector` is not a valid label selector, or undefined when it is
 * ('' selects everything). Accepts what the API server accepts: `k`, `!k`,
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k>1`, `k<1`, joined by commas.
 */
export function labelSelectorProblem(selector: string): string | undefined {
  const toks = lex(selector);
  let p = 0;
  const next = (): Tok => toks[p++] ?? { t: 'end' };
  const peek = (): Tok => toks[p] ?? { t: 'end' };
  const isEnd = (t: Tok): boolean => t.t === 'end' || t.t === ',';
  if (peek().t === 'end') return undefined;
  for (;;) {
    let tok = next();
    const negated = tok.t === '!';
    if (negated) tok = next();
    if (tok.t !== 'id') return `expected a label key, found ${describe(tok)}`;
    const keyProblem = labelKeyProblem(tok.v);
    if (keyProblem !== undefined) return keyProblem;
    if (negated || isEnd(peek())) {
      // `!k` and `k` test existence only; anything after them must end the requirement.
    } else {
      const op = next();
      const opName = op.t === 'op' ? op.v : op.t === 'id' && (op.v === 'in' || op.v === 'notin') ? op.v : undefined;
      if (opName === undefined) return `expected an operator (=, ==, !=, in, notin, >, <) after ${show(tok.v)}, found ${describe(op)}`;
      if (opName === 'in' || opName === 'notin') {
        const open = next();
        if (open.t !== '(') return `expected '(' after ${opName}, found ${describe(open)}`;
        // Values may be empty ("(a,)" holds ""), as in apimachinery.
        for (;;) {
          const v = next();
          if (v.t === ')') break;
          if (v.t === ',') continue;
          if (v.t !== 'id') return `expected a value or ')' in the ${opName} list, found ${describe(v)}`;
          const valueProblem = labelValueProblem(v.v);
          if (valueProblem !== undefined) return valueProblem;
          const after = peek();
          if (after.t !== ',' && after.t !== ')') return `expected ',' or ')' after ${show(v.v)}, found ${describe(after)}`;
        }
      } else {
        // An exact match may compare with the empty value: "k=" selects k="" (and "k!=" any non-empty k).
        const v = isEnd(peek()) ? { t: 'id' as const, v: '' } : next();
        if (v.t !== 'id') return `expected a value after ${opName}, found ${describe(v)}`;
        const valueProblem = labelValueProblem(v.v);
        if (valueProblem !== undefined) return valueProblem;
        if ((opName === '>' || opName === '<') && (!/^\d+$/.test(v.v) || BigInt(v.v) > INT64_MAX)) return `${opName} needs an integer value, not ${show(v.v)}`;
      }
    }
    const sep = next();
    if (sep.t === 'end') return undefined;
    if (sep.t !== ',') return `expected ',' or the end after a requirement, found ${describe(sep)}`;
    const following = peek();
    if (following.t !== 'id' && following.t !== '!') return `expected a requirement after ',', found ${describe(following)}`;
  }
}
