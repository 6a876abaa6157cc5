// Runs a bundled action's dist/index.js in this process and, at exit, writes this process's peak RSS
// (KiB, from getrusage) to BENCH_RSS_FILE: the memory the verification itself needed.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry] = process.argv.slice(2);
process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
await import(pathToFileURL(entry).href);
