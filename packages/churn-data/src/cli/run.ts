import { ContractError } from '../contract.js';
import { parseDatasetArgs, UsageError } from './args.js';
import { runCheck } from './check-command.js';
import { runInfer } from './infer-command.js';
import { CliError, type Io } from './io.js';
import { runSchema } from './schema-command.js';

/** Runs `dataset <command>` and gives the exit code: 0 ok, 1 bad contract or data, 2 bad command line. */
export function runDataset(argv: readonly string[], io: Io): number {
  try {
    const args = parseDatasetArgs(argv);
    if (args.command === 'infer') return runInfer(args, io);
    if (args.command === 'check') return runCheck(args, io);
    return runSchema(io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    // Errors the user can act on are one line naming the file; anything else is a bug and keeps its stack.
    if (error instanceof ContractError || error instanceof CliError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
