// Runs on Node 24 (Renovate 44's runtime): resolves renovate.json with Renovate's own preset
// resolver and applies its packageRules, with Renovate's own matchers, to the update cases read
// as JSON from stdin. Prints what Renovate would decide for each (automerge, labels, group).
// Usage: node24 apply-rules.mjs <renovate package dir> <renovate.json>  < cases.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [renovateDir, configPath] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(join(renovateDir, 'dist', rel)).href);
const { getConfig } = await load('config/defaults.js');
const { resolveConfigPresets } = await load('config/presets/index.js');
const { mergeChildConfig } = await load('config/utils.js');
const { applyPackageRules } = await load('util/package-rules/index.js');

const repoConfig = JSON.parse(readFileSync(configPath, 'utf8'));
const { config: resolved } = await resolveConfigPresets(mergeChildConfig(getConfig(), repoConfig));
const cases = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const c of cases) {
  const decided = await applyPackageRules(mergeChildConfig(resolved, c), 'test');
  results.push({
    automerge: decided.automerge === true,
    ignoreTests: decided.ignoreTests === true,
    platformAutomerge: decided.platformAutomerge === true,
    automergeType: decided.automergeType,
    minimumReleaseAge: decided.minimumReleaseAge ?? null,
    groupName: decided.groupName ?? null,
    labels: [...new Set([...(decided.labels ?? []), ...(decided.addLabels ?? [])])].sort(),
  });
}
process.stdout.write(JSON.stringify(results));
