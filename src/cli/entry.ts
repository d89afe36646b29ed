// Process entry of the CLI: wires stdout and stderr and sets the exit code. Node's compile cache (in the
// system's temporary directory) keeps the stripped and compiled modules between runs: a command that loads
// the Kubernetes client starts in about 1 CPU-second instead of 1.7.
import { enableCompileCache } from 'node:module';
import type { Io } from './command.ts';

enableCompileCache();
const { main } = await import('./main.ts');

const io: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  isTty: process.stdout.isTTY === true,
};
process.exitCode = await main(process.argv.slice(2), io);
