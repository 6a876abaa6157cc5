/**
 * The pure reading of `terraform show -json <planfile>`: what each resource address will do. No
 * attribute VALUE leaves this module (a plan holds sensitive values in clear); only the names of
 * the attributes that change.
 */

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'no-op';

export const ACTIONS: readonly Action[] = ['create', 'update', 'replace', 'delete', 'read', 'no-op'];

export interface ResourceChange {
  address: string;
  /** The address before a `moved` block, when it moved. */
  previousAddress?: string;
  type: string;
  mode: 'managed' | 'data';
  action: Action;
  /** For a replace: the order terraform uses. */
  replaceOrder?: 'delete-then-create' | 'create-then-delete';
  /** Terraform's reason, e.g. replace_because_cannot_update, delete_because_no_resource_config. */
  reason?: string;
  /** Top-level attributes whose value changes (names only). */
  changedAttributes: string[];
  /** Attribute paths that force the replacement. */
  replacePaths: string[];
  importing: boolean;
}

export interface OutputChange {
  name: string;
  action: Action;
  sensitive: boolean;
}

export interface PlanSummary {
  terraformVersion: string;
  /** Every resource change, no-ops included, sorted by address. */
  resources: ResourceChange[];
  outputs: OutputChange[];
  counts: Record<Action, number>;
  /** True when applying would change anything (resources or outputs). */
  hasChanges: boolean;
  /** An errored plan (a failed plan can still be saved and shown). */
  errored: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface RawChange {
  actions?: string[];
  before?: Json;
  after?: Json;
  after_unknown?: Json;
  before_sensitive?: Json;
  after_sensitive?: Json;
  replace_paths?: Json[][];
  importing?: Json;
}

interface RawResourceChange {
  address?: string;
  previous_address?: string;
  mode?: string;
  type?: string;
  change?: RawChange;
  action_reason?: string;
}

export class PlanFormatError extends Error {
  constructor(message: string) {
    super(`terraform show -json: ${message}`);
    this.name = 'PlanFormatError';
  }
}

/** Terraform's action list -> one action. */
export function classifyActions(actions: readonly string[]): { action: Action; replaceOrder?: ResourceChange['replaceOrder'] } {
  const key = actions.join(',');
  switch (key) {
    case 'no-op':
      return { action: 'no-op' };
    case 'create':
      return { action: 'create' };
    case 'read':
      return { action: 'read' };
    case 'update':
      return { action: 'update' };
    case 'delete':
      return { action: 'delete' };
    case 'forget':
      // Terraform 1.7+ `removed` blocks with destroy = false plan a "forget": the object leaves the
      // state but is not destroyed. It is reported (and guarded) as a delete: the VM stops being managed.
      return { action: 'delete' };
    case 'delete,create':
      return { action: 'replace', replaceOrder: 'delete-then-create' };
    case 'create,delete':
      return { action: 'replace', replaceOrder: 'create-then-delete' };
    default:
      throw new PlanFormatError(`unknown action list [${key}]`);
  }
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Top-level attribute names whose value differs between before and after (or becomes unknown). */
export function changedAttributes(change: RawChange): string[] {
  const before = isObject(change.before) ? change.before : {};
  const after = isObject(change.after) ? change.after : {};
  const unknown = isObject(change.after_unknown) ? change.after_unknown : {};
  const names = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  const changed: string[] = [];
  for (const name of [...names].sort()) {
    const becomesUnknown = unknown[name] === true || (isObject(unknown[name]) && Object.keys(unknown[name] as object).length > 0);
    // A value that was null and stays unknown is "computed", not a change the operator made.
    if (becomesUnknown && (before[name] ?? null) !== null) {
      changed.push(name);
      continue;
    }
    if (becomesUnknown) continue;
    if (JSON.stringify(before[name] ?? null) !== JSON.stringify(after[name] ?? null)) changed.push(name);
  }
  return changed;
}

function pathText(path: Json[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function parseResourceChange(raw: RawResourceChange, index: number): ResourceChange {
  const where = `resource_changes[${index}]`;
  if (typeof raw.address !== 'string' || typeof raw.type !== 'string') throw new PlanFormatError(`${where} has no address or type`);
  const actions = raw.change?.actions;
  if (!Array.isArray(actions) || actions.some((a) => typeof a !== 'string')) throw new PlanFormatError(`${where} (${raw.address}) has no change.actions`);
  const { action, replaceOrder } = classifyActions(actions);
  const change = raw.change ?? {};
  const result: ResourceChange = {
    address: raw.address,
    type: raw.type,
    mode: raw.mode === 'data' ? 'data' : 'managed',
    action,
    changedAttributes: action === 'update' || action === 'replace' ? changedAttributes(change) : [],
    replacePaths: (change.replace_paths ?? []).filter(Array.isArray).map(pathText),
    importing: change.importing !== undefined && change.importing !== null,
  };
  if (replaceOrder) result.replaceOrder = replaceOrder;
  if (raw.action_reason) result.reason = raw.action_reason;
  else if (actions.join(',') === 'forget') result.reason = 'forget: leaves the state, the object itself is not destroyed';
  if (raw.previous_address) result.previousAddress = raw.previous_address;
  return result;
}

export function emptyCounts(): Record<Action, number> {
  return { create: 0, update: 0, replace: 0, delete: 0, read: 0, 'no-op': 0 };
}

/** Parse the JSON text (or the parsed object) of `terraform show -json <planfile>`. */
export function parsePlan(input: string | object): PlanSummary {
  let doc: unknown;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (err) {
      throw new PlanFormatError(`not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  } else {
    doc = input;
  }
  if (!isObject(doc as Json) || typeof (doc as { format_version?: unknown }).format_version !== 'string') {
    throw new PlanFormatError('no format_version: this is not a plan representation');
  }
  const plan = doc as {
    format_version: string;
    terraform_version?: string;
    resource_changes?: RawResourceChange[];
    output_changes?: Record<string, RawChange>;
    errored?: boolean;
  };
  const major = Number(plan.format_version.split('.')[0]);
  if (major !== 1) throw new PlanFormatError(`format_version ${plan.format_version} is not supported (expected 1.x)`);

  const resources = (plan.resource_changes ?? []).map(parseResourceChange).sort((a, b) => a.address.localeCompare(b.address));
  const outputs: OutputChange[] = Object.entries(plan.output_changes ?? {})
    .map(([name, change]) => {
      const actions = change.actions ?? ['no-op'];
      return { name, action: classifyActions(actions).action, sensitive: change.after_sensitive === true || change.before_sensitive === true };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const counts = emptyCounts();
  for (const r of resources) counts[r.action]++;
  const hasChanges =
    resources.some((r) => r.action !== 'no-op' && r.action !== 'read') || outputs.some((o) => o.action !== 'no-op');
  return {
    terraformVersion: plan.terraform_version ?? 'unknown',
    resources,
    outputs,
    counts,
    hasChanges,
    errored: plan.errored === true,
  };
}

/** A planned output value, when known at plan time (planned_values.outputs). */
export function plannedOutput(input: object, name: string): { known: boolean; sensitive: boolean; value?: unknown } | undefined {
  const outputs = (input as { planned_values?: { outputs?: Record<string, { sensitive?: boolean; value?: unknown }> } }).planned_values?.outputs;
  const output = outputs?.[name];
  if (!output) return undefined;
  const known = Object.prototype.hasOwnProperty.call(output, 'value');
  return { known, sensitive: output.sensitive === true, value: output.value };
}
