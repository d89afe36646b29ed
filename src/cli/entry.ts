// Process entry of the CLI: wires stdout and stderr and sets the exit code. Node's compile cache (in the
// system's temporary directory) keeps the stripped and compiled modules between runs, and the Kubernetes
// client loads as one bundled module (client-node-bundle.ts): a command that talks to a cluster starts in
// about half a CPU-second instead of one and a half.
import { enableCompileCache } from 'node:module';
import { useClientNodeBundle } from './client-node-bundle.ts';
import type { Io } from './command.ts';

enableCompileCache();
// The Kubernetes client as one module (built at the first start): before main.ts, which imports it.
useClientNodeBundle({ build: true });
const { main } = await import('./main.ts');

const io: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  isTty: process.stdout.isTTY === true,
};
process.exitCode = await main(process.argv.slice(2), io);
