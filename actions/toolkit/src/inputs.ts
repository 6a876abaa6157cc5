import * as core from '@actions/core';
import { UserError } from './errors';

/**
 * Typed getters over the action's inputs. Every error names the input, shows the value it got and
 * says what is accepted, so a typo in a workflow file is fixed without reading our source.
 */

export class InputError extends UserError {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`Input '${input}' is ${value === '' ? 'empty' : `'${value}'`}; expected ${expected}.`);
    this.name = 'InputError';
  }
}

interface Options<T> {
  /** Value used when the input is empty or absent; without it the input is required. */
  default?: T;
}

function raw(name: string): string {
  // core.getInput trims and maps 'my-input' to INPUT_MY-INPUT the way the runner sets it.
  return core.getInput(name, { trimWhitespace: true });
}

function required(name: string, expected: string): never {
  throw new InputError(name, '', expected);
}

export function getString(name: string, options: Options<string> = {}): string {
  const value = raw(name);
  if (value !== '') return value;
  if (options.default !== undefined) return options.default;
  return required(name, 'a non-empty value');
}

/** An optional string: undefined when the input is empty. */
export function getOptionalString(name: string): string | undefined {
  const value = raw(name);
  return value === '' ? undefined : value;
}

export function getEnum<const T extends string>(name: string, allowed: readonly T[], options: Options<T> = {}): T {
  const expected = `one of ${allowed.map((a) => `'${a}'`).join(', ')}`;
  const value = raw(name);
  if (value === '') {
    if (options.default !== undefined) return options.default;
    return required(name, expected);
  }
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw new InputError(name, value, expected);
  return match;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function getBoolean(name: string, options: Options<boolean> = {}): boolean {
  const value = raw(name).toLowerCase();
  if (value === '') {
    if (options.default !== undefined) return options.default;
    return required(name, "'true' or 'false'");
  }
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new InputError(name, raw(name), "'true' or 'false'");
}

export function getInteger(name: string, options: Options<number> & { min?: number; max?: number } = {}): number {
  const { min, max } = options;
  const range =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` of at most ${max}`
          : '';
  const expected = `a whole number${range}`;
  const value = raw(name);
  if (value === '') {
    if (options.default !== undefined) return options.default;
    return required(name, expected);
  }
  if (!/^[-+]?\d+$/.test(value)) throw new InputError(name, value, expected);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw new InputError(name, value, expected);
  }
  return n;
}

/**
 * A list given one item per line (or comma-separated on one line). Blank lines and lines starting
 * with '#' are ignored so that workflow authors can comment their lists.
 */
export function getList(name: string, options: Options<string[]> = {}): string[] {
  const value = raw(name);
  const items = splitList(value);
  if (items.length > 0) return items;
  if (options.default !== undefined) return options.default;
  return required(name, 'at least one item, one per line');
}

export function splitList(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `key=value` per line. Keys must be unique; values may contain '='. */
export function getMap(name: string, options: Options<Record<string, string>> = {}): Record<string, string> {
  const value = raw(name);
  const lines = value.split(/\r?\n/);
  const map: Record<string, string> = {};
  let seen = 0;
  lines.forEach((text, index) => {
    const line = text.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (key === '') {
      throw new InputError(name, line, `'key=value' on line ${index + 1}`);
    }
    if (Object.prototype.hasOwnProperty.call(map, key)) {
      throw new InputError(name, line, `each key once; '${key}' repeats on line ${index + 1}`);
    }
    map[key] = line.slice(eq + 1).trim();
    seen++;
  });
  if (seen > 0) return map;
  if (options.default !== undefined) return options.default;
  return required(name, "at least one 'key=value' line");
}
