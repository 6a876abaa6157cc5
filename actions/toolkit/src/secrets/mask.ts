import * as core from '@actions/core';

const masked = new Set<string>();

/**
 * Lines shorter than this are not masked on their own: masking `}` or `--` would star out
 * unrelated log text and they carry no secret. The whole value is always masked.
 */
const MIN_LINE = 4;

/**
 * Register a value with the runner's log masker before anything else sees it. A multi-line value
 * (an SSH key, a kubeconfig) is also masked line by line, because a tool that prints one line of
 * it would otherwise not match the whole-value mask.
 */
export function maskSecret(value: string): void {
  const parts = [value];
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_LINE) parts.push(trimmed);
    }
  }
  for (const part of parts) {
    if (part === '' || masked.has(part)) continue;
    masked.add(part);
    core.setSecret(part);
  }
}
