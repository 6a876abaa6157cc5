import { Summary, formatMs } from '@homelab/toolkit';

export type TemplateStatus = 'built' | 'skipped' | 'failed';

export interface TemplateResult {
  node: string;
  vmid: number;
  name: string;
  fingerprint: string;
  status: TemplateStatus;
  durationMs: number;
  reason: string;
}

/** The `templates` output: one entry per node, keyed by node, for `fromJSON(...).pve1.vmid` in later jobs. */
export function templatesOutput(results: readonly TemplateResult[]): Record<string, Omit<TemplateResult, 'node' | 'reason'>> {
  const out: Record<string, Omit<TemplateResult, 'node' | 'reason'>> = {};
  for (const r of results) out[r.node] = { vmid: r.vmid, name: r.name, fingerprint: r.fingerprint, status: r.status, durationMs: r.durationMs };
  return out;
}

const ICON: Record<TemplateStatus, string> = { built: '🔨 built', skipped: '⏭️ skipped', failed: '❌ failed' };

export function summarise(results: readonly TemplateResult[], meta: { fingerprint: string; packerVersion: string; plugins: string[]; totalMs: number }): Summary {
  const summary = new Summary().heading('Packer templates');
  summary.text(
    `Fingerprint \`fp-${meta.fingerprint}\` · Packer ${meta.packerVersion}` +
      (meta.plugins.length > 0 ? ` · ${meta.plugins.join(', ')}` : '') +
      ` · ${formatMs(meta.totalMs)}`,
  );
  summary.table(
    ['Node', 'VM id', 'Template', 'Status', 'Duration', 'Why'],
    results.map((r) => [r.node, r.vmid, r.name || '—', ICON[r.status], formatMs(r.durationMs), r.reason]),
  );
  return summary;
}
