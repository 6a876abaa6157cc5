import { isRecord } from '../render/local-build';
import type { CheckContext } from './context';
import { fieldLine } from './context';

interface GraphNode {
  id: string;
  label: string;
  file: string;
  line: number;
  kustomization?: string;
  deps: { id: string; line: number }[];
}

/** dependsOn targets that do not exist, and dependency cycles, for Kustomizations and HelmReleases. */
export function checkDependencies(ctx: CheckContext): void {
  const ks = new Map<string, GraphNode>();
  for (const k of ctx.render.kustomizations) {
    ks.set(k.id, { id: k.id, label: `Kustomization ${k.id}`, file: k.origin.file, line: k.origin.line, kustomization: k.id, deps: k.dependsOn });
  }
  const hr = new Map<string, GraphNode>();
  for (const o of ctx.render.objects) {
    if (o.kind !== 'HelmRelease' || o.group !== 'helm.toolkit.fluxcd.io') continue;
    const spec = isRecord(o.object.spec) ? o.object.spec : {};
    const ns = o.namespace ?? 'default';
    const deps = (Array.isArray(spec.dependsOn) ? spec.dependsOn : []).filter(isRecord).map((d, i) => ({
      id: `${typeof d.namespace === 'string' ? d.namespace : ns}/${String(d.name)}`,
      line: fieldLine(ctx.render.files, o, ['spec', 'dependsOn', i]),
    }));
    hr.set(`${ns}/${o.name}`, { id: `${ns}/${o.name}`, label: `HelmRelease ${ns}/${o.name}`, file: o.origin.file, line: o.origin.line, kustomization: o.kustomization, deps });
  }
  for (const [what, graph] of [
    ['Kustomization', ks],
    ['HelmRelease', hr],
  ] as const) {
    for (const node of graph.values()) {
      for (const dep of node.deps) {
        if (!graph.has(dep.id)) {
          ctx.add({ rule: 'depends-on-missing', severity: 'error', file: node.file, line: dep.line, kustomization: node.kustomization, message: `${node.label} depends on ${what} ${dep.id}, which does not exist: it will never become ready` });
        }
      }
    }
    for (const cycle of findCycles(graph)) {
      const first = graph.get(cycle[0]!)!;
      const back = first.deps.find((d) => d.id === cycle[1 % cycle.length]) ?? first.deps[0];
      ctx.add({
        rule: 'depends-on-cycle',
        severity: 'error',
        file: first.file,
        line: back?.line ?? first.line,
        kustomization: first.kustomization,
        message: `${what} dependency cycle: ${[...cycle, cycle[0]].join(' -> ')} (none of them can ever become ready)`,
      });
    }
  }
}

/** Cycles as ordered id lists, one per strongly connected component (Tarjan). */
export function findCycles(graph: Map<string, { deps: { id: string }[] }>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const edges = (id: string) => (graph.get(id)?.deps ?? []).map((d) => d.id).filter((d) => graph.has(d));
  const strong = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const members = new Set(component);
      if (component.length > 1 || edges(v).includes(v)) cycles.push(orderCycle(members, edges));
    }
  };
  for (const id of [...graph.keys()].sort()) if (!index.has(id)) strong(id);
  return cycles;
}

/** Walk the component from its smallest id back to itself, for a readable "a -> b -> a". */
function orderCycle(members: Set<string>, edges: (id: string) => string[]): string[] {
  const start = [...members].sort()[0]!;
  const path = [start];
  const seen = new Set([start]);
  let current = start;
  for (;;) {
    const next = edges(current).filter((e) => members.has(e));
    if (next.includes(start) && (path.length === members.size || next.every((n) => seen.has(n)))) return path;
    const step = next.find((n) => !seen.has(n));
    if (!step) return path;
    path.push(step);
    seen.add(step);
    current = step;
  }
}
