import * as core from '@actions/core';
import { annotate, inActions } from './annotations';
import { UserError } from './errors';

/**
 * Runs an action's main function: a UserError becomes one clear failure message (with an
 * annotation at its file and line when it has one); anything else is a bug, reported with its
 * stack in the debug log so that the operator is not handed a stack trace.
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    process.exitCode = 1;
    if (err instanceof UserError) {
      if (err.file) annotate({ severity: 'error', message: err.message, file: err.file, line: err.line });
      else fail(err.message);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    fail(`Unexpected error: ${message}`);
    if (err instanceof Error && err.stack) core.debug(err.stack);
  } finally {
    exitSoon();
  }
}

/**
 * A client that cannot cancel its requests (the Bitwarden SDK) can keep the event loop alive after
 * main is done; the step would then hang until the job's timeout. Exit shortly after main returns
 * if something still holds the loop (the timer itself does not). Not inside the test runner.
 */
function exitSoon(): void {
  if (process.env.VITEST) return;
  setTimeout(() => process.exit(), 2000).unref();
}

function fail(message: string): void {
  if (inActions()) core.setFailed(message);
  else process.stderr.write(`error: ${message}\n`);
}
