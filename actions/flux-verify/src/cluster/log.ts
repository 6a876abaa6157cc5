/** Live progress on the job log (stdout), one line at a time. */
export function info(line: string): void {
  process.stdout.write(`${line}\n`);
}
