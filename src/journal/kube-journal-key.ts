// The key that signs journals kept in the API server: an Ed25519 private key in the Secret
// `daylight-journal-key` of the journal's namespace, made on first use (as cli/journal-key.ts makes the local
// key file), so every replica of the controller signs with the same key and the ConfigMaps' writers, who
// need no access to Secrets, cannot forge a signature.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { journalSigner } from '../engine/ports/journal-signing.ts';
import type { JournalSigner } from '../engine/ports/journal-signing.ts';
import { statusCode } from '../kube/api-error.ts';
import type { SecretApi } from '../kube/namespaced-objects.ts';
import { errorMessage } from '../lib/errors.ts';

export const KEY_SECRET = 'daylight-journal-key';
/** The Secret's data key: the private key, PKCS#8 PEM. */
export const KEY_SECRET_DATA = 'journal-ed25519.pem';

/** The signer over the key in the Secret, made there first if there is none; two makers at once keep the first one's. */
export async function journalSignerInSecret(secrets: SecretApi, namespace: string, signal?: AbortSignal): Promise<JournalSigner> {
  const found = await secrets.read(namespace, KEY_SECRET, signal);
  if (found) return journalSigner(privateKeyOf(found, namespace));
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: KEY_SECRET, namespace, labels: { 'app.kubernetes.io/managed-by': 'daylight' } },
    data: { [KEY_SECRET_DATA]: Buffer.from(pem, 'utf8').toString('base64') },
  };
  try {
    await secrets.create(namespace, body, signal);
    return journalSigner(privateKey);
  } catch (e: unknown) {
    if (statusCode(e) !== 409) throw e;
    const theirs = await secrets.read(namespace, KEY_SECRET, signal);
    if (!theirs) throw new Error(`Secret ${namespace}/${KEY_SECRET} was made and deleted while this process made it; try again`, { cause: e });
    return journalSigner(privateKeyOf(theirs, namespace));
  }
}

/** The public half of the key in the Secret, to verify with; undefined when there is no Secret (nothing is made). */
export async function journalPublicKeyInSecret(secrets: SecretApi, namespace: string, signal?: AbortSignal): Promise<KeyObject | undefined> {
  const found = await secrets.read(namespace, KEY_SECRET, signal);
  return found ? createPublicKey(privateKeyOf(found, namespace)) : undefined;
}

function privateKeyOf(secret: V1Secret, namespace: string): KeyObject {
  const where = `Secret ${namespace}/${KEY_SECRET}`;
  const data = secret.data?.[KEY_SECRET_DATA];
  if (!data) throw new Error(`${where} has no data "${KEY_SECRET_DATA}"; delete the Secret and a new key is made on the next run (journals signed with the old key then verify only with its public key)`);
  try {
    const key = createPrivateKey(Buffer.from(data, 'base64').toString('utf8'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (e: unknown) {
    throw new Error(`${where}: "${KEY_SECRET_DATA}" is not an Ed25519 private key in PEM (${errorMessage(e)}); delete the Secret and a new key is made on the next run`, { cause: e });
  }
}
