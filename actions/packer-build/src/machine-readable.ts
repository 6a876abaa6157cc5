/**
 * Packer's -machine-readable stream: one record per line, `timestamp,target,type,data...`.
 * Commas inside a datum are written as `%!(PACKER_COMMA)` and newlines as a literal `\n`, so a
 * line can be split on ',' first and each datum decoded afterwards.
 */

export interface MachineRecord {
  timestamp: number;
  /** The build name (e.g. `proxmox-iso.ubuntu`), empty for global messages. */
  target: string;
  type: string;
  data: string[];
}

export function decodeDatum(raw: string): string {
  return raw.replace(/%!\(PACKER_COMMA\)/g, ',').replace(/\\n/g, '\n').replace(/\\r/g, '\r');
}

/** One line; undefined for anything that is not a machine-readable record (e.g. a stray log line). */
export function parseRecord(line: string): MachineRecord | undefined {
  const parts = line.replace(/\r$/, '').split(',');
  if (parts.length < 3) return undefined;
  const [ts, target, type, ...data] = parts;
  if (!/^\d+$/.test(ts ?? '') || !type) return undefined;
  return { timestamp: Number(ts), target: decodeDatum(target ?? ''), type, data: data.map(decodeDatum) };
}

export interface Artifact {
  index: number;
  target: string;
  builderId?: string;
  id?: string;
  description?: string;
  files: string[];
}

export type BuildEvent =
  | { kind: 'progress'; level: 'say' | 'message' | 'error'; text: string }
  | { kind: 'error'; target: string; text: string }
  | { kind: 'artifact'; artifact: Artifact };

/**
 * Accumulates one build's stream and turns records into events as they arrive, so that the
 * caller can log progress and annotate errors live instead of after the build.
 */
export class BuildStream {
  readonly errors: { target: string; text: string }[] = [];
  /** `ui,error` lines: the only trace of failures that happen before a build starts (bad -var, bad HCL). */
  readonly uiErrors: string[] = [];
  readonly artifacts: Artifact[] = [];
  errorCount: number | undefined;
  private readonly open = new Map<string, Artifact>();

  push(line: string): BuildEvent[] {
    const record = parseRecord(line);
    if (!record) return line.trim() === '' ? [] : [{ kind: 'progress', level: 'message', text: line }];
    switch (record.type) {
      case 'ui': {
        const [level, ...rest] = record.data;
        const text = rest.join(',').replace(/^\n+/, '').replace(/\n+$/, '');
        const lvl = level === 'error' ? 'error' : level === 'say' ? 'say' : 'message';
        if (lvl === 'error' && text !== '') this.uiErrors.push(text);
        return text === '' ? [] : [{ kind: 'progress', level: lvl, text }];
      }
      case 'error': {
        const text = record.data.join(',');
        this.errors.push({ target: record.target, text });
        return [{ kind: 'error', target: record.target, text }];
      }
      case 'error-count':
        this.errorCount = Number(record.data[0]);
        return [];
      case 'artifact':
        return this.artifact(record);
      default:
        return [];
    }
  }

  private artifact(record: MachineRecord): BuildEvent[] {
    const [indexText, key, ...rest] = record.data;
    const index = Number(indexText);
    if (!Number.isInteger(index) || key === undefined) return [];
    const mapKey = `${record.target}#${index}`;
    let artifact = this.open.get(mapKey);
    if (!artifact) {
      artifact = { index, target: record.target, files: [] };
      this.open.set(mapKey, artifact);
    }
    const value = rest.join(',');
    switch (key) {
      case 'builder-id':
        artifact.builderId = value;
        break;
      case 'id':
        artifact.id = value;
        break;
      case 'string':
        artifact.description = value;
        break;
      case 'file':
        artifact.files.push(rest.slice(1).join(','));
        break;
      case 'end':
        this.open.delete(mapKey);
        this.artifacts.push(artifact);
        return [{ kind: 'artifact', artifact }];
    }
    return [];
  }

  /** The builder's own artifact (index 0); post-processors add later ones. */
  primaryArtifact(): Artifact | undefined {
    return [...this.artifacts].sort((a, b) => a.index - b.index)[0];
  }
}

/** `packer -machine-readable version` -> '1.6.6'. */
export function parseVersion(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const record = parseRecord(line);
    if (record?.type === 'version' && record.data[0]) return record.data[0];
  }
  return /Packer v(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
}
