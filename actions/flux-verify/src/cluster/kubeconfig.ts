import { readFileSync, statSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { UserError } from '@homelab/toolkit';

/** What the action needs to know of a kubeconfig before it hands it to kubectl. */
export interface KubeconfigInfo {
  path: string;
  context: string;
  cluster: string;
  /** The API server URL, for messages (never a credential). */
  server: string;
}

/**
 * Check the kubeconfig file up front so that a wrong path or a broken file is reported as such,
 * naming the file (and line), instead of as kubectl's "connection refused to localhost:8080".
 */
export function inspectKubeconfig(path: string): KubeconfigInfo {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new UserError(`The kubeconfig '${path}' is not a file.`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${String(code)})`;
    throw new UserError(`The kubeconfig '${path}' (input 'kubeconfig') ${why}.`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = lines.linePos(first.pos[0]).line;
    throw new UserError(`The kubeconfig '${path}' is not valid YAML (line ${line}): ${first.message.split('\n')[0]}`, { file: path, line });
  }
  if (!isMap(doc.contents)) throw new UserError(`The kubeconfig '${path}' is not a kubeconfig: expected a mapping with clusters, users and contexts.`, { file: path });
  const config = doc.toJS() as {
    kind?: string;
    'current-context'?: string;
    contexts?: { name?: string; context?: { cluster?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string } }[];
  };
  if (config.kind !== undefined && config.kind !== 'Config') {
    throw new UserError(`The kubeconfig '${path}' has kind '${config.kind}'; expected 'Config'.`, { file: path });
  }
  const contextName = config['current-context'];
  if (!contextName) throw new UserError(`The kubeconfig '${path}' sets no current-context.`, { file: path });
  const context = (config.contexts ?? []).find((c) => c?.name === contextName);
  if (!context) throw new UserError(`The kubeconfig '${path}' names current-context '${contextName}', but has no context of that name.`, { file: path });
  const clusterName = context.context?.cluster ?? '';
  const cluster = (config.clusters ?? []).find((c) => c?.name === clusterName);
  const server = cluster?.cluster?.server;
  if (!cluster || !server) {
    throw new UserError(`The kubeconfig '${path}': context '${contextName}' uses cluster '${clusterName}', which is missing or has no server URL.`, { file: path });
  }
  return { path, context: contextName, cluster: clusterName, server };
}
