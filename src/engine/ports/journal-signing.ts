// Ed25519 signatures for the run journal: the writer signs each entry's hash and the chain's head with a
// key kept outside the state directory; verifiers check them against a public key they trust.
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The key as the journal's first entry records it: an id to name it by and the public key itself. */
export interface JournalKeyRef {
  /** sha256 of the SPKI DER of the public key, hex, first 16 bytes. */
  readonly id: string;
  /** The public key, SPKI DER in base64. */
  readonly spki: string;
}

/** What the journal writer needs from the key: who it is and a signature over a message. */
export interface JournalSigner {
  readonly key: JournalKeyRef;
  /** Ed25519 signature over `message` (UTF-8), base64. */
  sign(message: string): string;
}

/** The chain's head as anchored outside the journal file: the last seq and hash, signed. */
export interface SignedHead {
  readonly runId: string;
  readonly seq: number;
  readonly hash: string;
  readonly keyId: string;
  /** Signature over headMessage(runId, seq, hash), base64. */
  readonly sig: string;
}

export function keyRefOf(publicKey: KeyObject): JournalKeyRef {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { id: createHash('sha256').update(der).digest('hex').slice(0, 32), spki: der.toString('base64') };
}

/** A signer over an Ed25519 private key; throws when the key is of another type. */
export function journalSigner(privateKey: KeyObject): JournalSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the journal key must be an Ed25519 key, not ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  const key = keyRefOf(createPublicKey(privateKey));
  return { key, sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64') };
}

/**
 * The message a head's signature covers. Entry signatures cover the 64-hex hash alone; this message
 * cannot be read as one, so an entry signature never passes for a head's.
 */
export function headMessage(runId: string, seq: number, hash: string): string {
  return `daylight journal head\n${runId}\n${seq}\n${hash}`;
}

export function signHead(signer: JournalSigner, runId: string, seq: number, hash: string): SignedHead {
  return { runId, seq, hash, keyId: signer.key.id, sig: signer.sign(headMessage(runId, seq, hash)) };
}

/** Whether `sig` (base64) is a valid signature of `message` by `publicKey`; false for anything malformed. */
export function signatureValid(publicKey: KeyObject, message: string, sig: unknown): boolean {
  if (typeof sig !== 'string' || sig.length === 0) return false;
  try {
    return verify(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

export function headValid(publicKey: KeyObject, h: SignedHead): boolean {
  return signatureValid(publicKey, headMessage(h.runId, h.seq, h.hash), h.sig);
}
