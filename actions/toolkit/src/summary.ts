import * as core from '@actions/core';

/**
 * A Markdown job-summary builder. GitHub renders Mermaid only from fenced ```mermaid blocks in
 * Markdown, which @actions/core's HTML-oriented summary cannot produce, hence our own builder.
 */
export class Summary {
  private readonly parts: string[] = [];

  heading(text: string, level: 1 | 2 | 3 | 4 = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  text(markdown: string): this {
    this.parts.push(markdown);
    return this;
  }

  /** A table; cells are escaped so that a '|' or a newline in a value cannot break the layout. */
  table(headers: readonly string[], rows: readonly (readonly (string | number | boolean)[])[]): this {
    if (rows.length === 0) return this;
    const line = (cells: readonly (string | number | boolean)[]) => `| ${cells.map((c) => escapeCell(String(c))).join(' | ')} |`;
    this.parts.push([line(headers), `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n'));
    return this;
  }

  /** A collapsible block; the body is Markdown. */
  details(summary: string, body: string, open = false): this {
    this.parts.push(`<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`);
    return this;
  }

  code(body: string, language = ''): this {
    const fence = body.includes('```') ? '~~~~' : '```';
    this.parts.push(`${fence}${language}\n${body}\n${fence}`);
    return this;
  }

  mermaid(diagram: string): this {
    return this.code(diagram, 'mermaid');
  }

  list(items: readonly string[]): this {
    if (items.length > 0) this.parts.push(items.map((i) => `- ${i}`).join('\n'));
    return this;
  }

  toString(): string {
    return this.parts.join('\n\n') + '\n';
  }

  /** Append to the job summary when running in Actions; a no-op elsewhere (the terminal report covers it). */
  async write(): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(this.toString(), true).write();
  }
}

export function escapeCell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Mermaid node id that is safe whatever the name holds. */
export function mermaidId(name: string): string {
  return 'n_' + name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A Mermaid label in quotes, with the characters Mermaid cannot take in a label replaced. */
export function mermaidLabel(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}
