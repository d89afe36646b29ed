// The key that signs run journals: an Ed25519 private key in $XDG_CONFIG_HOME/daylight (default
// ~/.config/daylight), outside the state directory, created on first use (file 0600, directory 0700).
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { journalSigner } from '../engine/ports/journal-signing.ts';
import type { JournalSigner } from '../engine/ports/journal-signing.ts';
import { errnoCode, UserError } from '../lib/errors.ts';

export const KEY_FILE = 'journal-ed25519.pem';

/** Where the journal key lives: $XDG_CONFIG_HOME/daylight, else ~/.config/daylight. */
export function journalKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'daylight', KEY_FILE);
}

/** The signer over the key at `path`, made there first if there is none. */
export function journalSignerAt(path: string): JournalSigner {
  if (!existsSync(path)) createKey(path);
  return journalSigner(readPrivateKey(path));
}

/** The public key of the local journal key, or undefined when there is no key file (nothing is created). */
export function localPublicKey(path: string): KeyObject | undefined {
  if (!existsSync(path)) return undefined;
  return createPublicKey(readPrivateKey(path));
}

/** A public key exported with `daylight audit key` (a private key file is accepted too: its public half is used). */
export function readPublicKeyFile(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new UserError(`--key ${file}: cannot read it (${errnoCode(e) ?? String(e)}); pass the file daylight audit key wrote`, { cause: e });
  }
  try {
    const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (e: unknown) {
    throw new UserError(`--key ${file}: not an Ed25519 public key in PEM (${e instanceof Error ? e.message : String(e)}); pass the file daylight audit key wrote`, { cause: e });
  }
}

function createKey(path: string): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  try {
    // 'wx': two processes making the key at once keep the first one's.
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (e: unknown) {
    if (errnoCode(e) !== 'EEXIST') throw new UserError(`cannot create the journal key ${path}: ${errnoCode(e) ?? String(e)}; set XDG_CONFIG_HOME to a writable directory`, { cause: e });
  }
}

function readPrivateKey(path: string): KeyObject {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new UserError(`the journal key ${path} can be read by others (mode ${mode.toString(8)}); make it private with chmod 600 ${path}`);
  try {
    return createPrivateKey(readFileSync(path, 'utf8'));
  } catch (e: unknown) {
    throw new UserError(`the journal key ${path} is not a private key in PEM (${e instanceof Error ? e.message : String(e)}); move it away and a new key is made on the next run`, { cause: e });
  }
}
