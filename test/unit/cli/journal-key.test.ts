// The journal key in the config directory: made on first use, private to its user, the same key after,
// and refused when others can read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journalKeyPath, journalSignerAt, localPublicKey } from '../../../src/cli/journal-key.ts';
import { keyRefOf } from '../../../src/engine/ports/journal-signing.ts';

test('the key is made on first use in $XDG_CONFIG_HOME/daylight, mode 0600 in a 0700 directory, and kept after', () => {
  const home = mkdtempSync(join(tmpdir(), 'daylight-key-'));
  try {
    const path = journalKeyPath({ XDG_CONFIG_HOME: home });
    assert.equal(path, join(home, 'daylight', 'journal-ed25519.pem'));
    assert.equal(journalKeyPath({ HOME: '/home/ops' }), '/home/ops/.config/daylight/journal-ed25519.pem');
    assert.equal(localPublicKey(path), undefined, 'verifying never makes a key');
    const first = journalSignerAt(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'daylight')).mode & 0o777, 0o700);
    assert.match(first.key.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(journalSignerAt(path).key, first.key, 'the same key the second time');
    assert.deepEqual(keyRefOf(localPublicKey(path) as NonNullable<ReturnType<typeof localPublicKey>>), first.key);
    chmodSync(path, 0o644);
    assert.throws(() => journalSignerAt(path), /the journal key .* can be read by others \(mode 644\); make it private with chmod 600/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
