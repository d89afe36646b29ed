// Unit tests for the sandbox's certificate authority: Node's TLS accepts the serving certificate for
// 127.0.0.1 when it trusts the CA, and refuses it otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTls } from '../../../src/sandbox/tls.ts';
import type { SandboxTls } from '../../../src/sandbox/tls.ts';

const tls = await createTls();

/** Serves "ok" over HTTPS with the given certificate on 127.0.0.1, runs `fn` with the port, then closes. */
async function withServer(t: SandboxTls, fn: (port: number) => Promise<void>): Promise<void> {
  const server = createServer({ cert: t.certPem, key: t.keyPem }, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
}

/** GETs / from the server; resolves with the body or rejects with the TLS error. */
function get(host: string, port: number, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', method: 'GET', ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the CA and the serving certificate are PEM that Node reads', () => {
  const ca = new X509Certificate(tls.caPem);
  const leaf = new X509Certificate(tls.certPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.checkIssued(ca), 'the leaf is issued by the CA');
  assert.ok(leaf.verify(ca.publicKey), 'the leaf is signed with the CA key');
  assert.ok(leaf.checkPrivateKey(createPrivateKey(tls.keyPem)), 'the key belongs to the leaf');
});

test('the serving certificate names 127.0.0.1 and localhost and is valid now', () => {
  const leaf = new X509Certificate(tls.certPem);
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(leaf.checkHost('localhost'), 'localhost');
  const now = Date.now();
  assert.ok(Date.parse(leaf.validFrom) < now && now < Date.parse(leaf.validTo));
});

test('a client that trusts the CA connects to 127.0.0.1', async () => {
  await withServer(tls, async (port) => {
    assert.equal(await get('127.0.0.1', port, tls.caPem), 'ok');
  });
});

test('a client that trusts the CA connects by the name localhost', async () => {
  await withServer(tls, async (port) => {
    assert.equal(await get('localhost', port, tls.caPem), 'ok');
  });
});

test('a client without the CA fails verification', async () => {
  await withServer(tls, async (port) => {
    await assert.rejects(get('127.0.0.1', port, undefined), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});

test('a client that trusts a different CA fails verification', async () => {
  const other = await createTls();
  await withServer(tls, async (port) => {
    await assert.rejects(get('127.0.0.1', port, other.caPem), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});

test('a certificate for other addresses is refused for 127.0.0.1', async () => {
  const elsewhere = await createTls({ ips: ['10.0.0.1'], dns: ['sandbox.example'] });
  assert.equal(new X509Certificate(elsewhere.certPem).checkIP('127.0.0.1'), undefined);
  await withServer(elsewhere, async (port) => {
    await assert.rejects(get('127.0.0.1', port, elsewhere.caPem), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

test('each call makes a new CA', async () => {
  const other = await createTls();
  assert.notEqual(other.caPem, tls.caPem);
  assert.notEqual(new X509Certificate(other.caPem).serialNumber, new X509Certificate(tls.caPem).serialNumber);
});
