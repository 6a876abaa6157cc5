// The shell scripts of a workflow's `run:` steps, with the workflow line each starts on, so a
// shellcheck finding can be reported at the workflow's own line.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';

export interface RunScript {
  workflow: string;
  job: string;
  step: number;
  name?: string;
  /** Workflow line of the script's first line. */
  line: number;
  shell: string;
  /** The script with every `${{ … }}` replaced by underscores of the same length. */
  script: string;
}

function get(map: unknown, key: string): unknown {
  return isMap(map) ? map.get(key, true) : undefined;
}

function scalarString(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

export function runScripts(workflow: string, text: string): RunScript[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const scripts: RunScript[] = [];
  const jobs = get(doc.contents, 'jobs');
  if (!isMap(jobs)) return scripts;
  const workflowShell = scalarString(get(get(get(doc.contents, 'defaults'), 'run'), 'shell'));
  for (const pair of jobs.items) {
    const job = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const jobShell = scalarString(get(get(get(pair.value, 'defaults'), 'run'), 'shell'));
    const steps = get(pair.value, 'steps');
    if (!isSeq(steps)) continue;
    steps.items.forEach((step, index) => {
      const run = get(step, 'run');
      if (!isScalar(run) || typeof run.value !== 'string' || !run.range) return;
      const shell = scalarString(get(step, 'shell')) ?? jobShell ?? workflowShell ?? 'bash';
      const block = run.type === Scalar.BLOCK_LITERAL || run.type === Scalar.BLOCK_FOLDED;
      const start = counter.linePos(run.range[0]).line;
      scripts.push({
        workflow,
        job,
        step: index + 1,
        ...(scalarString(get(step, 'name')) ? { name: scalarString(get(step, 'name')) } : {}),
        line: block ? start + 1 : start,
        shell,
        script: run.value.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => '_'.repeat(m.length)),
      });
    });
  }
  return scripts;
}
