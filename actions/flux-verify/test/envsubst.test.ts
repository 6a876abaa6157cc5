import { describe, expect, it } from 'vitest';
import { envsubst, SubstitutionError } from '../src/render/envsubst';

const vars = new Map<string, string>([
  ['NAME', 'world'],
  ['EMPTY', ''],
  ['PATH_', '/usr/local/bin'],
  ['MIXED', 'Hello World'],
  ['FILE', 'archive.tar.gz'],
  ['UMLAUT', 'ä'],
]);
const strict = (text: string) => envsubst(text, (n) => vars.get(n), true);
const loose = (text: string) => envsubst(text, (n) => vars.get(n), false);

describe('envsubst (fluxcd/pkg/envsubst semantics)', () => {
  it.each([
    ['${NAME}', 'world'],
    ['x-${NAME}-y ${NAME}', 'x-world-y world'],
    ['${UNSET:=dflt}', 'dflt'],
    ['${NAME:=dflt}', 'world'],
    ['${EMPTY:=dflt}', 'dflt'],
    ['${UNSET:-dflt}', 'dflt'],
    ['${NAME:-dflt}', 'world'],
    ['${UNSET=dflt}', 'dflt'],
    // Flux maps every default operator to one function: an empty value takes the default too (unlike bash)
    ['${EMPTY=dflt}', 'dflt'],
    ['${UNSET:=a b c}', 'a b c'],
    ['${UNSET:=${NAME}}', 'world'],
    ['${#NAME}', '5'],
    ['${#UMLAUT}', '2'],
    ['${NAME^}', 'World'],
    ['${NAME^^}', 'WORLD'],
    ['${MIXED,}', 'hello World'],
    ['${MIXED,,}', 'hello world'],
    ['${NAME:1}', 'orld'],
    ['${NAME:1:3}', 'orl'],
    ['${NAME:10}', ''],
    ['${NAME:1:-1}', 'orl'],
    ['${FILE#*.}', 'tar.gz'],
    ['${FILE##*.}', 'gz'],
    ['${FILE%.*}', 'archive.tar'],
    ['${FILE%%.*}', 'archive'],
    ['${PATH_/local/opt}', '/usr/opt/bin'],
    ['${MIXED//o/0}', 'Hell0 W0rld'],
    ['${MIXED/o/}', 'Hell World'],
    ['${FILE/#archive/backup}', 'backup.tar.gz'],
    ['${FILE/#tar/x}', 'archive.tar.gz'],
    ['${FILE/%gz/xz}', 'archive.tar.xz'],
    ['${FILE/%tar/x}', 'archive.tar.gz'],
    ['${PATH_//\\//:}', ':usr:local:bin'],
    ['${NAME:+alt}', 'world'],
  ])('%s -> %s', (input, output) => {
    expect(strict(input)).toBe(output);
  });

  it('leaves $var without braces alone and unescapes $$', () => {
    expect(strict('$NAME and $5')).toBe('$NAME and $5');
    expect(strict('$${NAME}')).toBe('${NAME}');
    expect(strict('$${NAME} and ${NAME}')).toBe('${NAME} and world');
    expect(strict('pa$$word')).toBe('pa$word');
  });

  it('strict mode rejects an unset variable unless a default operator handles it', () => {
    for (const text of ['${UNSET}', 'a ${UNSET} b', '${UNSET^^}', '${#UNSET}', '${UNSET/a/b}', '${UNSET:1}']) {
      let error: unknown;
      try {
        strict(text);
      } catch (err) {
        error = err;
      }
      expect(error, text).toBeInstanceOf(SubstitutionError);
      expect((error as SubstitutionError).variable).toBe('UNSET');
    }
    expect(strict('${UNSET:-}')).toBe('');
    expect(strict('${UNSET:?x}')).toBe('x');
  });

  it('non-strict mode replaces an unset variable by the empty string', () => {
    expect(loose('a${UNSET}b')).toBe('ab');
    expect(loose('${#UNSET}')).toBe('0');
  });

  it('reports syntax errors', () => {
    expect(() => strict('${NAME')).toThrow(/missing closing brace/);
    expect(() => strict('${}')).toThrow(/unable to parse variable name/);
    expect(() => strict('${NAME:1')).toThrow(SubstitutionError);
    // the scanner only takes '-' after ':', so Flux rejects the bash form ${var-default} ...
    expect(() => strict('${UNSET-dflt}')).toThrow(/missing closing brace/);
    // ... and a replacement needs its second slash
    expect(() => strict('${MIXED/o}')).toThrow(/bad substitution/);
  });
});
