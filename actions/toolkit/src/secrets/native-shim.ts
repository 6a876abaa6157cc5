import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The SDK's CommonJS loader (binding.js) uses `__dirname` and `require` to find its native addon.
// Inside an ESM bundle neither exists, so this module, imported before the SDK, provides them
// relative to the bundle file (REFERENCE §6). Existing values (plain CommonJS, tests) are kept.
const scope = globalThis as { __dirname?: string; require?: NodeJS.Require };
scope.__dirname ??= dirname(fileURLToPath(import.meta.url));
scope.require ??= createRequire(import.meta.url);

export {};
