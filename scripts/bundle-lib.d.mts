export const NATIVE: string;
/** Files of one bundled entry, keyed by their path under dist/ (`native:<name>` for the shared addon). */
export function bundleEntry(entry: string, outPrefix: string): Promise<Map<string, Buffer>>;
