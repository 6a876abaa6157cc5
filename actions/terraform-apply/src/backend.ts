/**
 * The backend configuration file given to `terraform init -backend-config=<file>` (0600, under
 * RUNNER_TEMP). It holds only non-secret settings: terraform copies every -backend-config value
 * into .terraform/terraform.tfstate and into saved plan files, so the S3 access keys travel in
 * terraform's environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) instead.
 */

export interface BackendSettings {
  bucket?: string;
  key?: string;
  region?: string;
  /** An S3-compatible endpoint (MinIO, Garage, Ceph RGW...); switches on path-style addressing. */
  endpoint?: string;
  /** Further `name=value` settings, e.g. `path=...` for a local backend; they win over the above. */
  extra: Record<string, string>;
}

/** Names that would put a credential into the persisted backend configuration. */
export const SECRET_BACKEND_SETTINGS = ['access_key', 'secret_key', 'token', 'sse_customer_key', 'password', 'client_secret'];

type Value = string | boolean | number | Record<string, string>;

export function backendValues(settings: BackendSettings): Record<string, Value> {
  const values: Record<string, Value> = {};
  if (settings.bucket) values.bucket = settings.bucket;
  if (settings.key) values.key = settings.key;
  if (settings.region) values.region = settings.region;
  if (settings.endpoint) {
    values.endpoints = { s3: settings.endpoint };
    // An S3-compatible server has no AWS region, account or metadata API to check against.
    values.region ??= 'us-east-1';
    values.use_path_style = true;
    values.skip_credentials_validation = true;
    values.skip_region_validation = true;
    values.skip_requesting_account_id = true;
    values.skip_metadata_api_check = true;
    values.skip_s3_checksum = true;
  }
  for (const [name, raw] of Object.entries(settings.extra)) {
    values[name] = /^(true|false)$/.test(raw) ? raw === 'true' : /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  return values;
}

/** HCL attribute syntax; strings are escaped so that `${` or `%{` cannot start a template. */
export function renderBackendConfig(settings: BackendSettings): string | undefined {
  const values = backendValues(settings);
  const names = Object.keys(values);
  if (names.length === 0) return undefined;
  const lines = names.map((name) => `${name} = ${hclValue(values[name]!)}`);
  return `# written by actions/terraform-apply; non-secret settings only\n${lines.join('\n')}\n`;
}

function hclValue(value: Value): string {
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return hclString(value);
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${k} = ${hclString(v)}`)
    .join(', ')} }`;
}

export function hclString(value: string): string {
  return JSON.stringify(value)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}
