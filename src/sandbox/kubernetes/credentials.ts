// The files a real control plane needs to trust its clients and sign service-account tokens: the
// serving certificate from the sandbox's own CA, a static token per client (the admin the kubeconfig
// carries, the controller manager, the scheduler, kwok, the node agents) and the service-account signing key pair.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTls } from '../tls.ts';

export interface ClientIdentity {
  readonly token: string;
  readonly user: string;
}

export interface ControlPlaneCredentials {
  readonly caPem: string;
  readonly caFile: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  /** kube-apiserver --token-auth-file: one line per client below. */
  readonly tokenFile: string;
  readonly serviceAccountPublicKeyFile: string;
  readonly serviceAccountPrivateKeyFile: string;
  /** In system:masters: the identity Daylight, kubectl and tests use, as with the simulated engine's token. */
  readonly admin: ClientIdentity;
  /** Users the default RBAC policy already binds to what these components need. */
  readonly controllerManager: ClientIdentity;
  readonly scheduler: ClientIdentity;
  /** The kubelets kwok plays: its own name, so the referee tells a kubelet's pod delete from a client's. */
  readonly kwok: ClientIdentity;
  /**
   * The node agents' user when the engine runs real `daylight agent` processes (lab-hosts.ts): bound only to
   * the `daylight-agent` ClusterRole the engine creates for it (what the chart's ServiceAccount may do).
   */
  readonly agent: ClientIdentity;
}

/** First address of the default service range: the `kubernetes` Service, so in-cluster clients verify it too. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
const KUBERNETES_SERVICE_IP = '10.96.0.1';
const SERVING_DNS = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

export async function writeCredentials(dir: string): Promise<ControlPlaneCredentials> {
  const tls = await createTls({ ips: ['127.0.0.1', KUBERNETES_SERVICE_IP], dns: SERVING_DNS });
  const serviceAccount = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const admin = identity('daylight-admin');
  const controllerManager = identity('system:kube-controller-manager');
  const scheduler = identity('system:kube-scheduler');
  const kwok = identity('kwok');
  const agent = identity('daylight-agent');
  const files = {
    caFile: join(dir, 'ca.crt'),
    servingCertFile: join(dir, 'apiserver.crt'),
    servingKeyFile: join(dir, 'apiserver.key'),
    tokenFile: join(dir, 'tokens.csv'),
    serviceAccountPublicKeyFile: join(dir, 'sa.pub'),
    serviceAccountPrivateKeyFile: join(dir, 'sa.key'),
  };
  const tokens = [
    `${admin.token},${admin.user},${admin.user},"system:masters"`,
    `${controllerManager.token},${controllerManager.user},${controllerManager.user}`,
    `${scheduler.token},${scheduler.user},${scheduler.user}`,
    // kwok updates any node's and pod's status and finishes pod deletion for many nodes at once, which
    // the Node authorizer's one-node kubelet identities cannot; it runs as an administrator.
    `${kwok.token},${kwok.user},${kwok.user},"system:masters"`,
    `${agent.token},${agent.user},${agent.user}`,
  ];
  await writeFile(files.caFile, tls.caPem);
  await writeFile(files.servingCertFile, tls.certPem);
  await writeFile(files.servingKeyFile, tls.keyPem, { mode: 0o600 });
  await writeFile(files.tokenFile, `${tokens.join('\n')}\n`, { mode: 0o600 });
  await writeFile(files.serviceAccountPublicKeyFile, serviceAccount.publicKey);
  await writeFile(files.serviceAccountPrivateKeyFile, serviceAccount.privateKey, { mode: 0o600 });
  return { caPem: tls.caPem, ...files, admin, controllerManager, scheduler, kwok, agent };
}

function identity(user: string): ClientIdentity {
  return { user, token: randomBytes(24).toString('hex') };
}
