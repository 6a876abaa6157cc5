/**
 * Flux's post-build variable substitution (fluxcd/pkg/envsubst, a fork of drone/envsubst), ported
 * scanner-for-scanner so that edge cases match the controller: `$$` escapes a dollar (so `$${var}`
 * stays a literal `${var}`), `$var` without braces is text, and in strict mode a variable that is
 * unset is an error unless a default-providing operator (`-`, `:-`, `=`, `:=`, `+`, `:+`, `?`, `:?`)
 * handles it. Lengths and substrings count bytes, like Go.
 */

export class SubstitutionError extends Error {
  constructor(
    message: string,
    /** The unset variable, for strict-mode failures. */
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'SubstitutionError';
  }
}

type Node =
  | { type: 'text'; value: string }
  | { type: 'func'; param: string; name: string; args: Node[] }
  | { type: 'list'; nodes: Node[] };

type Accept = (r: string, i: number) => boolean;

const TOKEN_ILLEGAL = 0;
const TOKEN_EOF = 1;
const TOKEN_IDENT = 2;
const TOKEN_LBRACK = 3;
const TOKEN_RBRACK = 4;

const SCAN_IDENT = 1;
const SCAN_LBRACK = 2;
const SCAN_RBRACK = 4;
const SCAN_ESCAPE = 8;

const DOLLAR = 1;
const BACKSLASH = 2;
const ESCAPE_ALL = DOLLAR | BACKSLASH;

const EOF = '';

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;

const acceptRune: Accept = () => true;
const acceptIdent: Accept = (r) => LETTER_OR_DIGIT.test(r);
const acceptColon: Accept = (r) => r === ':';
const acceptOneHash: Accept = (r, i) => r === '#' && i === 1;
const acceptNotClosing: Accept = (r) => r !== '}';
const acceptHashFunc: Accept = (r, i) => r === '#' && i < 3;
const acceptPercentFunc: Accept = (r, i) => r === '%' && i < 3;
const acceptDefaultFunc: Accept = (r, i) => (i === 1 && r === ':') || (i === 2 && (r === '=' || r === '-' || r === '?' || r === '+'));
const acceptReplaceFunc: Accept = (r, i) => (i === 1 && r === '/') || (i === 2 && (r === '/' || r === '#' || r === '%'));
const acceptOneEqual: Accept = (r, i) => i === 1 && r === '=';
const acceptOneColon: Accept = (r, i) => i === 1 && r === ':';
const rejectColonClose: Accept = (r) => r !== ':' && r !== '}';
const acceptSlash: Accept = (r) => r === '/';
const acceptNotSlash: Accept = (r) => r !== '/';
const acceptCasingFunc: Accept = (r, i) => (r === ',' || r === '^') && i < 3;

/** Positions are in code points (an array of characters), which only differs from Go's bytes for non-ASCII operators. */
class Scanner {
  buf: string[] = [];
  pos = 0;
  start = 0;
  width = 0;
  mode = 0;
  escapeChars = 0;
  accept: Accept = acceptRune;

  init(text: string): void {
    this.buf = Array.from(text);
    this.pos = 0;
    this.start = 0;
    this.width = 0;
  }

  read(): string {
    if (this.pos >= this.buf.length) {
      this.width = 0;
      return EOF;
    }
    this.width = 1;
    return this.buf[this.pos++]!;
  }

  unread(): void {
    this.pos -= this.width;
  }

  /** Drops the character just read from the buffer (an escape character). */
  skip(): void {
    this.buf.splice(this.pos - 1, 1);
  }

  peek(): string {
    const r = this.read();
    this.unread();
    return r;
  }

  text(): string {
    return this.buf.slice(this.start, this.pos).join('');
  }

  scan(): number {
    this.start = this.pos;
    const r = this.read();
    if (r === EOF) return TOKEN_EOF;
    if (this.scanLbrack(r)) return TOKEN_LBRACK;
    if (this.scanRbrack(r)) return TOKEN_RBRACK;
    if (this.scanIdent(r)) return TOKEN_IDENT;
    return TOKEN_ILLEGAL;
  }

  private scanIdent(r: string): boolean {
    if ((this.mode & SCAN_IDENT) === 0) return false;
    if (this.scanEscaped(r)) this.skip();
    else if (!this.accept(r, this.pos - this.start)) return false;
    for (;;) {
      const c = this.read();
      if (c === EOF) {
        this.unread();
        break;
      }
      if (this.scanLbrack(c)) {
        this.unread();
        this.unread();
        break;
      }
      if (this.scanEscaped(c)) {
        this.skip();
        continue;
      }
      if (!this.accept(c, this.pos - this.start)) {
        this.unread();
        break;
      }
    }
    return true;
  }

  private scanLbrack(r: string): boolean {
    if ((this.mode & SCAN_LBRACK) === 0) return false;
    if (r === '$') {
      if (this.read() === '{') return true;
      this.unread();
    }
    return false;
  }

  private scanRbrack(r: string): boolean {
    if ((this.mode & SCAN_RBRACK) === 0) return false;
    return r === '}';
  }

  private scanEscaped(r: string): boolean {
    if ((this.mode & SCAN_ESCAPE) === 0) return false;
    if (r === '$' && (this.escapeChars & DOLLAR) !== 0 && this.peek() === '$') return true;
    if (r === '\\' && (this.escapeChars & BACKSLASH) !== 0) {
      const next = this.peek();
      return next === '/' || next === '\\';
    }
    return false;
  }
}

const EMPTY: Node = { type: 'text', value: '' };

class Parser {
  private readonly s = new Scanner();

  parse(text: string): Node {
    this.s.init(text);
    return this.parseAny();
  }

  private parseAny(): Node {
    const s = this.s;
    s.accept = acceptRune;
    s.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
    s.escapeChars = DOLLAR;
    switch (s.scan()) {
      case TOKEN_IDENT: {
        const left: Node = { type: 'text', value: s.text() };
        const right = this.parseAny();
        return right === EMPTY ? left : { type: 'list', nodes: [left, right] };
      }
      case TOKEN_EOF:
        return EMPTY;
      case TOKEN_LBRACK: {
        const left = this.parseFunc();
        const right = this.parseAny();
        return right === EMPTY ? left : { type: 'list', nodes: [left, right] };
      }
    }
    throw new SubstitutionError('bad substitution');
  }

  private parseFunc(): Node {
    const s = this.s;
    s.escapeChars = ESCAPE_ALL;
    if (s.peek() === '#') return this.parseLenFunc();
    s.accept = acceptIdent;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('unable to parse variable name');
    const name = s.text();
    switch (s.peek()) {
      case ':':
        return this.parseDefaultOrSubstr(name);
      case '=':
        return this.parseDefaultFunc(name);
      case ',':
      case '^':
        return this.parseCasingFunc(name);
      case '/':
        return this.parseReplaceFunc(name);
      case '#':
        return this.parseRemoveFunc(name, acceptHashFunc);
      case '%':
        return this.parseRemoveFunc(name, acceptPercentFunc);
    }
    s.accept = acceptIdent;
    s.mode = SCAN_RBRACK;
    if (s.scan() === TOKEN_RBRACK) return { type: 'func', param: name, name: '', args: [] };
    throw new SubstitutionError('missing closing brace');
  }

  private parseParam(accept: Accept, mode: number): Node {
    const s = this.s;
    s.accept = accept;
    s.mode = mode | SCAN_LBRACK;
    switch (s.scan()) {
      case TOKEN_LBRACK:
        return this.parseFunc();
      case TOKEN_IDENT:
      case TOKEN_RBRACK:
        return { type: 'text', value: s.text() };
    }
    throw new SubstitutionError('unable to parse substitution within function');
  }

  private parseDefaultOrSubstr(name: string): Node {
    const s = this.s;
    s.read();
    const r = s.peek();
    s.unread();
    return r === '=' || r === '-' || r === '?' || r === '+' ? this.parseDefaultFunc(name) : this.parseSubstrFunc(name);
  }

  private parseSubstrFunc(param: string): Node {
    const s = this.s;
    s.accept = acceptOneColon;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    const node = { type: 'func' as const, param, name: s.text(), args: [] as Node[] };
    node.args.push(this.parseParam(rejectColonClose, SCAN_IDENT));
    s.accept = acceptColon;
    s.mode = SCAN_IDENT | SCAN_RBRACK;
    const t = s.scan();
    if (t === TOKEN_RBRACK) return node;
    if (t !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseRemoveFunc(param: string, accept: Accept): Node {
    const s = this.s;
    s.accept = accept;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    const node = { type: 'func' as const, param, name: s.text(), args: [] as Node[] };
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseReplaceFunc(param: string): Node {
    const s = this.s;
    s.accept = acceptReplaceFunc;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    const node = { type: 'func' as const, param, name: s.text(), args: [] as Node[] };
    if (s.peek() === '/') node.args.push({ type: 'text', value: '' });
    else node.args.push(this.parseParam(acceptNotSlash, SCAN_IDENT | SCAN_ESCAPE));
    s.accept = acceptSlash;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    if (s.peek() === '}') {
      this.consumeRbrack();
      return node;
    }
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT | SCAN_ESCAPE));
    this.consumeRbrack();
    return node;
  }

  private parseDefaultFunc(param: string): Node {
    const s = this.s;
    s.accept = s.peek() === '=' ? acceptOneEqual : acceptDefaultFunc;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('unable to parse default function');
    const node = { type: 'func' as const, param, name: s.text(), args: [] as Node[] };
    for (;;) {
      if (s.peek() === '}') {
        this.consumeRbrack();
        return node;
      }
      node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    }
  }

  private parseCasingFunc(param: string): Node {
    const s = this.s;
    s.accept = acceptCasingFunc;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    const node = { type: 'func' as const, param, name: s.text(), args: [] as Node[] };
    this.consumeRbrack();
    return node;
  }

  private parseLenFunc(): Node {
    const s = this.s;
    s.accept = acceptOneHash;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    const name = s.text();
    s.accept = acceptIdent;
    s.mode = SCAN_IDENT;
    if (s.scan() !== TOKEN_IDENT) throw new SubstitutionError('bad substitution');
    const node: Node = { type: 'func', param: s.text(), name, args: [] };
    this.consumeRbrack();
    return node;
  }

  private consumeRbrack(): void {
    this.s.mode = SCAN_RBRACK;
    if (this.s.scan() !== TOKEN_RBRACK) throw new SubstitutionError('bad substitution');
  }
}

const DEFAULT_OPS = new Set(['-', '+', '=', '?', ':-', ':+', ':=', ':?']);

/** Looks a variable up: `undefined` means unset. */
export type Mapping = (name: string) => string | undefined;

/** Substitute `${...}` expressions in text. Throws SubstitutionError on a syntax error or (strict) an unset variable. */
export function envsubst(text: string, mapping: Mapping, strict: boolean): string {
  const tree = new Parser().parse(text);
  const out: string[] = [];
  evaluate(tree, mapping, strict, out);
  return out.join('');
}

function evaluate(node: Node, mapping: Mapping, strict: boolean, out: string[]): void {
  if (node.type === 'text') {
    out.push(node.value);
    return;
  }
  if (node.type === 'list') {
    for (const n of node.nodes) evaluate(n, mapping, strict, out);
    return;
  }
  const args = node.args.map((a) => {
    const buf: string[] = [];
    evaluate(a, mapping, strict, buf);
    return buf.join('');
  });
  const found = mapping(node.param);
  if (found === undefined && strict && !DEFAULT_OPS.has(node.name)) {
    throw new SubstitutionError(`variable not set (strict mode): "${node.param}"`, node.param);
  }
  out.push(apply(node.name, found ?? '', args));
}

const bytes = (s: string) => Buffer.from(s, 'utf8');

function apply(name: string, v: string, args: string[]): string {
  switch (name) {
    case ',':
      return v === '' ? v : lowerFirst(v);
    case ',,':
      return v.toLowerCase();
    case '^':
      return v === '' ? v : upperFirst(v);
    case '^^':
      return v.toUpperCase();
    case '#':
      return args.length === 0 ? String(bytes(v).length) : trimShortest(v, args[0]!);
    case '##':
      return args.length === 0 ? v : trimLongest(v, args[0]!);
    case '%':
      return args.length === 0 ? v : reverse(trimShortest(reverse(v), reverse(args[0]!)));
    case '%%':
      return args.length === 0 ? v : reverse(trimLongest(reverse(v), reverse(args[0]!)));
    case ':':
      return substr(v, args);
    case '/#':
      return args.length === 2 && v.startsWith(args[0]!) ? v.replace(args[0]!, () => args[1]!) : v;
    case '/%':
      return args.length === 2 && v.endsWith(args[0]!) ? v.slice(0, v.length - args[0]!.length) + args[1]! : v;
    case '/':
      return args.length === 0 ? v : replaceN(v, args[0]!, args[1] ?? '', 1);
    case '//':
      return args.length === 0 ? v : replaceN(v, args[0]!, args[1] ?? '', -1);
    default:
      return v === '' && args.length > 0 ? args.join('') : v;
  }
}

function lowerFirst(s: string): string {
  const [first = '', ...rest] = Array.from(s);
  return first.toLowerCase() + rest.join('');
}

function upperFirst(s: string): string {
  const [first = '', ...rest] = Array.from(s);
  return first.toUpperCase() + rest.join('');
}

function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Go's strings.Replace: an empty pattern matches before every character (and at the end). */
function replaceN(s: string, old: string, repl: string, n: number): string {
  if (old === '') {
    const chars = Array.from(s);
    const out: string[] = [];
    let done = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (n < 0 || done < n) {
        out.push(repl);
        done++;
      }
      if (i < chars.length) out.push(chars[i]!);
    }
    return out.join('');
  }
  if (n < 0) return s.split(old).join(repl);
  const i = s.indexOf(old);
  return i < 0 ? s : s.slice(0, i) + repl + s.slice(i + old.length);
}

function substr(s: string, args: string[]): string {
  if (args.length === 0) return s;
  const b = bytes(s);
  let pos = goAtoi(args[0]!);
  if (pos === undefined) return s;
  if (pos < 0) pos = Math.max(0, b.length + pos);
  if (args.length === 1) return pos < b.length ? b.subarray(pos).toString('utf8') : '';
  const length = goAtoi(args[1]!);
  if (length === undefined) return s;
  if (length < 0) {
    const end = b.length + length;
    if (end < pos) return '';
    return b.subarray(pos, end).toString('utf8');
  }
  if (pos + length >= b.length) return pos < b.length ? b.subarray(pos).toString('utf8') : '';
  return b.subarray(pos, pos + length).toString('utf8');
}

function goAtoi(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** Shell glob match as Go's path.Match does it: `*`, `?`, `[...]`, `\\` escapes; `*` does not cross '/'. */
function globToRegExp(pattern: string): RegExp | undefined {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= pattern.length) return undefined;
      re += escapeRe(pattern[i]!);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/[\]\\]/g, '\\$&');
      else body = body.replace(/[\]\\]/g, '\\$&');
      re += `[${body}]`;
      i = end;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(re + '$', 'su');
  } catch {
    return undefined;
  }
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function trimShortest(s: string, pattern: string): string {
  const re = globToRegExp(pattern);
  if (!re) return s;
  const chars = Array.from(s);
  let shortest = '';
  for (let i = 0; i < chars.length; i++) {
    const candidate = chars.slice(0, chars.length - i).join('');
    if (re.test(candidate)) shortest = candidate;
  }
  return shortest !== '' ? s.slice(shortest.length) : s;
}

function trimLongest(s: string, pattern: string): string {
  const re = globToRegExp(pattern);
  if (!re) return s;
  const chars = Array.from(s);
  for (let i = 0; i < chars.length; i++) {
    const candidate = chars.slice(0, chars.length - i).join('');
    if (re.test(candidate)) return s.slice(candidate.length);
  }
  return s;
}

/** Flux validates every variable name before substituting (`'NAME' var name is invalid`). */
export const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
