/**
 * The programmatic API of flux-verify, for other features (the pull-request diff renders the base
 * and head revisions with it):
 *
 *   const tree = await renderTree({ repoRoot, path: 'kubernetes', cluster: 'kubernetes/clusters/production' });
 *   for (const ks of tree.kustomizations) for (const o of ks.objects) o.object, o.origin.file, o.origin.line
 *
 *   const report = await verifyTree({ repoRoot });   // render + every check
 *   report.findings, report.results, report.missingSchemas
 */
export { renderTree, type RenderOptions, type RenderResult } from './tree';
export { verifyTree, checkRendered, type VerifyReport, type KustomizationResult } from '../verify';
export { envsubst, SubstitutionError, VARIABLE_NAME, type Mapping } from './envsubst';
export { FileStore, type SourceFile } from './files';
export { Kustomize } from '../kustomize';
export type { Finding, Severity, FluxKustomization, RenderedObject, KubeObject, Origin, ObjectRef, RenderTimings, KustomizationState } from './types';
export type { MissingSchema } from '../checks/schema';
