import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UserError } from '@homelab/toolkit';

/**
 * What the action needs to know about a template directory without running Packer: its files
 * (for the fingerprint), the variables it declares (only those may be passed with -var) and the
 * plugins it pins in `required_plugins`.
 */

export interface TemplateFile {
  /** Path relative to the template directory, always with '/'. */
  path: string;
  content: Buffer;
}

export interface RequiredPlugin {
  name: string;
  source: string;
  version: string;
}

export interface TemplateInfo {
  dir: string;
  files: TemplateFile[];
  variables: Set<string>;
  plugins: RequiredPlugin[];
}

/**
 * Build outputs and caches are not content: they change on every run and would make every
 * fingerprint new. Dot-entries (.git, editor files) are not part of the image either.
 */
function ignored(name: string): boolean {
  return name.startsWith('.') || name === 'packer_cache' || name.endsWith('.log') || name === 'node_modules';
}

export function listTemplateFiles(dir: string): TemplateFile[] {
  const out: TemplateFile[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      if (ignored(name)) continue;
      const path = join(current, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) out.push({ path: relative(dir, path).split(sep).join('/'), content: readFileSync(path) });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function readTemplate(dir: string): TemplateInfo {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    throw new UserError(`Template directory '${dir}' does not exist.`);
  }
  if (!stat.isDirectory()) throw new UserError(`Template directory '${dir}' is not a directory.`);
  const files = listTemplateFiles(dir);
  const hcl = files.filter((f) => f.path.endsWith('.pkr.hcl') && !f.path.includes('/'));
  if (hcl.length === 0) throw new UserError(`Template directory '${dir}' holds no *.pkr.hcl file (Packer reads only the top level).`);
  const variables = new Set<string>();
  const plugins: RequiredPlugin[] = [];
  for (const file of hcl) {
    const text = file.content.toString('utf8');
    for (const m of text.matchAll(/^\s*variable\s+"([^"]+)"\s*\{/gm)) variables.add(m[1]!);
    plugins.push(...parseRequiredPlugins(text, join(dir, file.path)));
  }
  return { dir, files, variables, plugins: plugins.sort((a, b) => a.name.localeCompare(b.name)) };
}

/**
 * The entries of `packer { required_plugins { name = { source = "...", version = "..." } } }`.
 * Only this narrow, conventional shape is read; it is what `packer fmt` produces.
 */
export function parseRequiredPlugins(text: string, file = 'template'): RequiredPlugin[] {
  const block = findBlock(text, /required_plugins\s*\{/g);
  if (block === undefined) return [];
  const plugins: RequiredPlugin[] = [];
  for (const m of block.body.matchAll(/(^|\n)\s*("?)([A-Za-z0-9_-]+)\2\s*=\s*\{([^}]*)\}/g)) {
    const name = m[3]!;
    const body = m[4] ?? '';
    const source = /\bsource\s*=\s*"([^"]*)"/.exec(body)?.[1];
    const version = /\bversion\s*=\s*"([^"]*)"/.exec(body)?.[1];
    if (!source || !version) {
      const line = text.slice(0, block.start).split('\n').length;
      throw new UserError(`${file}: required_plugins entry '${name}' needs both source and version (a pinned version keeps the fingerprint meaningful).`, { file, line });
    }
    plugins.push({ name, source, version });
  }
  return plugins;
}

function findBlock(text: string, opener: RegExp): { start: number; body: string } | undefined {
  const m = opener.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return { start: m.index, body: text.slice(start, i) };
  }
  return { start: m.index, body: text.slice(start) };
}
