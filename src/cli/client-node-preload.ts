// `node --import ./src/cli/client-node-preload.ts`: the bundled client-node for a process that is not the CLI
// (the test runner gives it to every test file it starts). It uses a bundle already built, and never builds one.
import { useClientNodeBundle } from './client-node-bundle.ts';

useClientNodeBundle({ build: false });
