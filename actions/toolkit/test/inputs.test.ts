import { afterEach, describe, expect, it } from 'vitest';
import { getBoolean, getEnum, getInteger, getList, getMap, getOptionalString, getString, InputError, splitList } from '../src/inputs';

const set = (name: string, value: string) => {
  process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
};

afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
});

describe('inputs', () => {
  it('reads strings, trims them and applies defaults', () => {
    set('working-directory', '  terraform  ');
    expect(getString('working-directory')).toBe('terraform');
    expect(getString('absent', { default: 'x' })).toBe('x');
    expect(getOptionalString('absent')).toBeUndefined();
  });

  it('names the input and what is accepted when a required input is empty', () => {
    expect(() => getString('inventory')).toThrowError("Input 'inventory' is empty; expected a non-empty value.");
  });

  it('accepts only the allowed enum values and lists them in the error', () => {
    set('mode', 'apply');
    expect(getEnum('mode', ['plan', 'apply'] as const)).toBe('apply');
    set('mode', 'Apply!');
    expect(() => getEnum('mode', ['plan', 'apply'] as const)).toThrowError("Input 'mode' is 'Apply!'; expected one of 'plan', 'apply'.");
    expect(getEnum('other', ['a', 'b'] as const, { default: 'b' })).toBe('b');
  });

  it('parses booleans in the YAML 1.2 core spellings and rejects anything else', () => {
    for (const v of ['true', 'True', 'yes', 'on', '1']) {
      set('force', v);
      expect(getBoolean('force')).toBe(true);
    }
    for (const v of ['false', 'FALSE', 'no', 'off', '0']) {
      set('force', v);
      expect(getBoolean('force')).toBe(false);
    }
    set('force', 'maybe');
    expect(() => getBoolean('force')).toThrowError("Input 'force' is 'maybe'; expected 'true' or 'false'.");
    expect(getBoolean('absent', { default: true })).toBe(true);
  });

  it('bounds integers and says the range', () => {
    set('concurrency', '2');
    expect(getInteger('concurrency', { min: 1, max: 8 })).toBe(2);
    set('concurrency', '0');
    expect(() => getInteger('concurrency', { min: 1, max: 8 })).toThrowError("Input 'concurrency' is '0'; expected a whole number from 1 to 8.");
    set('concurrency', '2.5');
    expect(() => getInteger('concurrency', { min: 1 })).toThrowError('expected a whole number of at least 1');
    set('concurrency', '99999999999999999999');
    expect(() => getInteger('concurrency')).toThrowError(InputError);
  });

  it('splits lists on lines and commas, skipping comments and blanks', () => {
    set('nodes', 'pve1\n# a comment\n\n pve2 , pve3\n');
    expect(getList('nodes')).toEqual(['pve1', 'pve2', 'pve3']);
    expect(splitList('')).toEqual([]);
    expect(() => getList('absent')).toThrowError("Input 'absent' is empty; expected at least one item, one per line.");
  });

  it('parses key=value maps, keeping = inside values, and rejects malformed or repeated keys with the line', () => {
    set('extra-vars', 'a=1\n# c\nb = x=y\n');
    expect(getMap('extra-vars')).toEqual({ a: '1', b: 'x=y' });
    set('extra-vars', 'a=1\nnovalue');
    expect(() => getMap('extra-vars')).toThrowError("expected 'key=value' on line 2");
    set('extra-vars', 'a=1\na=2');
    expect(() => getMap('extra-vars')).toThrowError("'a' repeats on line 2");
  });
});
