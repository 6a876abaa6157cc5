// Bundling of one entry with @vercel/ncc, shared by scripts/bundle.mjs and the tests that bundle
// a test-only entry the same way.
import { join } from 'node:path';
import ncc from '@vercel/ncc';

export const NATIVE = 'sdk-napi.linux-x64-gnu.node';

/** Bundle one entry and return the files it produces, relative to the action's dist/. */
export async function bundleEntry(entry, outPrefix) {
  const { code, assets } = await ncc(entry, {
    minify: false,
    sourceMap: false,
    quiet: true,
    license: 'licenses.txt',
    target: 'es2022',
    // Types are checked once by `npm run typecheck`; ncc would otherwise type-check the whole
    // repository for every entry (seconds each) and fail one action on another's type error.
    transpileOnly: true,
  });
  const files = new Map();
  const depth = outPrefix === '' ? 0 : outPrefix.split('/').length;
  // JavaScript outputs: the entry and any chunk ncc split off (a dynamic import becomes a chunk).
  const scripts = new Map([[join(outPrefix, 'index.js'), code]]);
  for (const [name, asset] of Object.entries(assets ?? {})) {
    if (name === NATIVE) {
      files.set(`native:${NATIVE}`, asset.source);
    } else if (/\.(m|c)?js$/.test(name)) {
      scripts.set(join(outPrefix, name), asset.source.toString());
    } else {
      files.set(join(outPrefix, name), asset.source);
    }
  }
  if (files.has(`native:${NATIVE}`)) {
    // Point the bundle at the shared copy instead of emitting another 6.6 MB file.
    // `.ab` is the bundle's own directory (the runtime's name differs between entry and chunks).
    const needle = new RegExp(`(__nccwpck_require__|__webpack_require__)\\.ab \\+ "${NATIVE.replace(/\./g, '\\.')}"`, 'g');
    const target = `${'../'.repeat(depth + 1)}../toolkit/native/${NATIVE}`;
    const count = [...scripts.values()].reduce((n, js) => n + (js.match(needle)?.length ?? 0), 0);
    if (count !== 1) throw new Error(`${entry}: expected one reference to ${NATIVE} in the bundle, found ${count}; ncc's output changed, update scripts/bundle.mjs`);
    for (const [path, js] of scripts) scripts.set(path, js.replace(needle, (_, runtime) => `${runtime}.ab + "${target}"`));
  }
  for (const [path, js] of scripts) files.set(path, Buffer.from(js));
  return files;
}

