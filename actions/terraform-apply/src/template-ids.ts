import { InputError } from '@homelab/toolkit';

/**
 * The `template-ids` input: Proxmox host -> template VM id. Accepts packer-build's `templates`
 * output as is ({"pve1": {"vmid": 9000, ...}}), a plain JSON map ({"pve1": 9000}) or key=value lines.
 */
export function parseTemplateIds(text: string, input = 'template-ids'): Record<string, number> | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const ids: Record<string, number> = {};
  const add = (host: string, raw: unknown, where: string) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host)) throw new InputError(input, host, `a Proxmox host name ${where}`);
    if (Object.prototype.hasOwnProperty.call(ids, host)) throw new InputError(input, host, `each host once; '${host}' repeats ${where}`);
    const value = typeof raw === 'object' && raw !== null ? vmidOf(raw as Record<string, unknown>) : raw;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new InputError(input, `${host}=${JSON.stringify(value ?? null)}`, `a template VM id (a whole number) for '${host}' ${where}`);
    }
    ids[host] = n;
  };
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw new InputError(input, trimmed.length > 80 ? `${trimmed.slice(0, 80)}...` : trimmed, `a JSON object (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(input, trimmed, 'a JSON object of host -> VM id');
    for (const [host, raw] of Object.entries(doc)) add(host, raw, `(JSON key '${host}')`);
  } else {
    text.split(/\r?\n/).forEach((rawLine, index) => {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new InputError(input, line, `'host=vmid' on line ${index + 1}`);
      add(line.slice(0, eq).trim(), line.slice(eq + 1).trim(), `on line ${index + 1}`);
    });
  }
  if (Object.keys(ids).length === 0) return undefined;
  return ids;
}

function vmidOf(entry: Record<string, unknown>): unknown {
  for (const key of ['vmid', 'vm_id', 'id']) if (entry[key] !== undefined) return entry[key];
  return undefined;
}
