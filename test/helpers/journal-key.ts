// Journal keys for tests: an in-memory signer for runs in this process, and a temporary config directory
// for the CLI, so no test ever reads or writes the journal key in the real home.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journalSigner } from '../../src/engine/ports/journal-signing.ts';
import type { JournalSigner } from '../../src/engine/ports/journal-signing.ts';

/** A fresh Ed25519 signer that lives only in memory. */
export function testSigner(): JournalSigner {
  return journalSigner(generateKeyPairSync('ed25519').privateKey);
}

/**
 * Points XDG_CONFIG_HOME of this process, and of the CLIs it spawns, at a fresh temporary directory:
 * the CLI makes its journal key there, and it is removed when the process exits. Returns the directory.
 */
export function tempConfigHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-config-'));
  process.env.XDG_CONFIG_HOME = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
