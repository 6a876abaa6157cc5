import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as core from '@actions/core';

/** Set a step output; objects are written as compact JSON so that `fromJSON()` reads them. */
export function setOutput(name: string, value: string | number | boolean | object): void {
  core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/** Write a JSON report file (pretty, stable key order as given) and return its path. */
export function writeJsonReport(path: string, report: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n', { mode: 0o644 });
  return path;
}
