import * as core from '@actions/core';
import { inspect } from 'node:util';
import { writePrivateFile } from '../cleanup';
import { UserError } from '../errors';
import { maskSecret } from './mask';

export interface SecretFileOptions {
  /** End the file with a newline when the value lacks one (OpenSSH refuses a key file without it). */
  ensureNewline?: boolean;
}

/**
 * Secrets fetched for this step, by NAME. The values leave this object only as a child process's
 * environment, as 0600 files under RUNNER_TEMP (removed in post), or — when the workflow asks —
 * as variables for later steps. It never prints or serialises a value.
 */
export class SecretSet {
  readonly #values: ReadonlyMap<string, string>;

  private constructor(values: Map<string, string>) {
    this.#values = values;
  }

  /** Build a set from plain values (tests, or secrets obtained elsewhere); every value is masked first. */
  static fromValues(record: Record<string, string>): SecretSet {
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(record)) {
      maskSecret(value);
      values.set(name, value);
    }
    return new SecretSet(values);
  }

  static empty(): SecretSet {
    return new SecretSet(new Map());
  }

  /** Names in mapping order. */
  names(): string[] {
    return [...this.#values.keys()];
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  get size(): number {
    return this.#values.size;
  }

  get(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined) {
      throw new UserError(
        `No Bitwarden secret is mapped to ${name}; add a line '<secret-uuid> > ${name}' to the 'bitwarden-secrets' input` +
          (this.#values.size > 0 ? ` (mapped: ${this.names().join(', ')})` : ''),
      );
    }
    return value;
  }

  /** NAME -> value for a child process's environment (all names, or the ones given). */
  env(names?: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of names ?? this.names()) env[name] = this.get(name);
    return env;
  }

  /** Write one value to a new 0600 file in a private directory under RUNNER_TEMP, removed in post. */
  file(name: string, fileName: string = name, options: SecretFileOptions = {}): string {
    let value = this.get(name);
    if (options.ensureNewline && !value.endsWith('\n')) value += '\n';
    return writePrivateFile(fileName, value);
  }

  /**
   * Export values as environment variables of the job's later steps (GITHUB_ENV). Only when the
   * workflow asks for it: later steps may run code this action does not control.
   */
  exportToLaterSteps(names: readonly string[]): void {
    for (const name of names) core.exportVariable(name, this.get(name));
  }

  toJSON(): { secrets: string[] } {
    return { secrets: this.names() };
  }

  [inspect.custom](): string {
    return `SecretSet { ${this.names().join(', ')} }`;
  }

  toString(): string {
    return this[inspect.custom]();
  }
}
