import { InputError } from '../inputs';

/** One line of the `bitwarden-secrets` input: `<secret-uuid> > NAME`. */
export interface SecretMapping {
  id: string;
  name: string;
  /** 1-based line in the input, for error messages. */
  line: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parse the mapping. Errors name the line and what was expected, never a value that could be a
 * secret (a mapping holds ids and names only, but a pasted secret must not be echoed back).
 */
export function parseSecretMapping(text: string, input = 'bitwarden-secrets'): SecretMapping[] {
  const mappings: SecretMapping[] = [];
  const names = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const parts = trimmed.split('>');
    const where = `line ${line}`;
    if (parts.length !== 2) {
      throw new InputError(input, `<${where}>`, `'<secret-uuid> > NAME' on ${where}`);
    }
    const id = parts[0]!.trim();
    const name = parts[1]!.trim();
    if (!UUID.test(id)) throw new InputError(input, `<${where}>`, `a secret UUID before '>' on ${where}`);
    if (!NAME.test(name)) {
      throw new InputError(input, `<${where}>`, `a variable name (letters, digits, '_', not starting with a digit) after '>' on ${where}`);
    }
    const previous = names.get(name);
    if (previous !== undefined) throw new InputError(input, `<${where}>`, `each NAME once; '${name}' is also on line ${previous}`);
    names.set(name, line);
    mappings.push({ id: id.toLowerCase(), name, line });
  });
  return mappings;
}
