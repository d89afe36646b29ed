// Process entry of the CLI: wires stdout and stderr and sets the exit code.
import type { Io } from './command.ts';
import { main } from './main.ts';

const io: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  isTty: process.stdout.isTTY === true,
};
process.exitCode = await main(process.argv.slice(2), io);
