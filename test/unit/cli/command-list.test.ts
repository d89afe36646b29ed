// The command list loads a command's module only when it runs: each entry names the command its module
// exports, and `daylight --help` or `daylight report` start without the Kubernetes client or the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { COMMANDS } from '../../../src/cli/main.ts';

test('every entry of the list loads the command of its name, whose help shows how to call it', async () => {
  const names = COMMANDS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, `each command is listed once: ${names.join(', ')}`);
  for (const entry of COMMANDS) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.ok(entry.summary.length > 0 && !entry.summary.includes('\n'), `${entry.name}: one line in the list`);
    assert.match(command.help, new RegExp(`daylight ${entry.name}\\b`), `${entry.name}: its help shows the call`);
  }
});

/** The modules `argv` resolves when `main` runs it in a fresh process. */
function modulesResolvedBy(argv: readonly string[]): string[] {
  const main = new URL('../../../src/cli/main.ts', import.meta.url).href;
  const script = [
    "import { registerHooks } from 'node:module';",
    'const seen = [];',
    'registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });',
    `const { main } = await import(${JSON.stringify(main)});`,
    `await main(${JSON.stringify(argv)}, { out() {}, err() {}, isTty: false });`,
    'process.stdout.write(JSON.stringify(seen));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

test('daylight --help loads no command module; daylight report --help loads its own and not the Kubernetes client', () => {
  const help = modulesResolvedBy(['--help']);
  assert.ok(help.length > 0, 'the hook saw the modules main imports');
  assert.deepEqual(help.filter((m) => /^\.\/(demo|run|report|sandbox|control|serve)\.ts$/.test(m) || m.startsWith('@kubernetes/')), []);
  const report = modulesResolvedBy(['report', '--help']);
  assert.ok(report.includes('./report.ts'), 'report loads its module');
  assert.deepEqual(report.filter((m) => m.startsWith('@kubernetes/') || /^\.\/(run|demo|sandbox)\.ts$/.test(m)), []);
});
