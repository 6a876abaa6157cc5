// Flux post-build substitution (fluxcd/pkg/envsubst) as far as the tree's checks need it: which
// variables a text uses, whether each has a default, and the substituted text. `$${x}` and `$$`
// are escapes; `$var` without braces is left alone.

export interface VariableUse {
  name: string;
  /** `${x:=d}`, `${x:-d}`, `${x=d}`, `${x-d}`: usable when unset. */
  hasDefault: boolean;
  /** The expression between the braces. */
  expression: string;
  line: number;
}

const NAME = /^[_A-Za-z][_A-Za-z0-9]*/;
const VALID_NAME = /^[_A-Za-z][_A-Za-z0-9]*$/;

interface Token {
  start: number;
  end: number;
  expression: string;
}

function scan(text: string): { tokens: Token[]; escapes: number[] } {
  const tokens: Token[] = [];
  const escapes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') continue;
    const next = text[i + 1];
    if (next === '$') {
      escapes.push(i);
      i++;
      continue;
    }
    if (next !== '{') continue;
    const close = text.indexOf('}', i + 2);
    if (close < 0) break;
    tokens.push({ start: i, end: close + 1, expression: text.slice(i + 2, close) });
    i = close;
  }
  return { tokens, escapes };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseExpression(expression: string): { name: string; operator: string; rest: string } {
  const body = expression.startsWith('#') ? expression.slice(1) : expression;
  const name = NAME.exec(body)?.[0] ?? '';
  const tail = body.slice(name.length);
  const operator = /^(:=|:-|=|-)/.exec(tail)?.[0] ?? '';
  return { name, operator, rest: tail.slice(operator.length) };
}

export function variableUses(text: string): VariableUse[] {
  return scan(text).tokens.map((token) => {
    const { name, operator } = parseExpression(token.expression);
    return { name, hasDefault: operator !== '', expression: token.expression, line: lineOf(text, token.start) };
  });
}

export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** Problems Flux's strict substitution would reject: unset variables without default, bad names. */
export function strictProblems(text: string, defined: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const use of variableUses(text)) {
    if (!isValidName(use.name)) problems.push(`line ${use.line}: invalid variable name in \${${use.expression}}`);
    else if (!use.hasDefault && !(use.name in defined)) problems.push(`line ${use.line}: \${${use.name}} is not defined`);
  }
  return problems;
}

/** Substitutes `${x}` and the default forms; escapes become literals. Other operators stay as they are. */
export function substitute(text: string, vars: Record<string, string>): string {
  const { tokens, escapes } = scan(text);
  const edits = [
    ...escapes.map((index) => ({ start: index, end: index + 2, value: '$' })),
    ...tokens.map((token) => {
      const { name, operator, rest } = parseExpression(token.expression);
      const isSet = name in vars && (operator.startsWith(':') ? vars[name] !== '' : true);
      let value = token.expression.startsWith('#') ? undefined : isSet ? vars[name] : operator ? rest : '';
      if (operator === '' && token.expression !== name) value = undefined;
      return { start: token.start, end: token.end, value };
    }),
  ].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    if (edit.value === undefined) continue;
    out += text.slice(at, edit.start) + edit.value;
    at = edit.end;
  }
  return out + text.slice(at);
}
