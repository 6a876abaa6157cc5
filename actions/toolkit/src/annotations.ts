import * as core from '@actions/core';

export type Severity = 'error' | 'warning' | 'notice';

export interface Annotation {
  severity: Severity;
  message: string;
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
}

/** True inside a GitHub Actions job, where workflow commands are understood. */
export function inActions(): boolean {
  return process.env.GITHUB_ACTIONS === 'true';
}

/**
 * An annotation at a file and line in Actions; a `file:line:col: severity: message` line (the
 * format editors and terminals link) anywhere else.
 */
export function annotate(a: Annotation): void {
  if (!inActions()) {
    const where = a.file ? `${a.file}${a.line ? `:${a.line}${a.column ? `:${a.column}` : ''}` : ''}: ` : '';
    const title = a.title ? `[${a.title}] ` : '';
    const stream = a.severity === 'error' ? process.stderr : process.stdout;
    stream.write(`${where}${a.severity}: ${title}${a.message}\n`);
    return;
  }
  const properties: core.AnnotationProperties = {
    title: a.title,
    file: a.file,
    startLine: a.line,
    endLine: a.endLine ?? a.line,
    startColumn: a.column,
  };
  if (a.severity === 'error') core.error(a.message, properties);
  else if (a.severity === 'warning') core.warning(a.message, properties);
  else core.notice(a.message, properties);
}
