// Every unit test as one program: `node --test test/unit` (and `npm test`) load this directory through its
// package.json's main and run each *.test.ts under test/unit/ and src/ in one process. Unit tests share no
// state between files, so one process does in about 25 CPU-seconds what one process per file (about half a
// second of start-up each, 120 files) did in over 100; integration and end-to-end files keep a process each.
import { globSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
for (const file of globSync(['test/unit/**/*.test.ts', 'src/**/*.test.ts'], { cwd: root }).sort()) {
  await import(pathToFileURL(join(root, file)).href);
}
