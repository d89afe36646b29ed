// What a Velero install leaves in a cluster, as far as Daylight's backups need: the velero namespace and the
// Backup CRD (velero.io/v1, with a status subresource), for tests that install it into a sandbox.
export const VELERO_NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } };

export const VELERO_BACKUP_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'backups.velero.io' },
  spec: {
    group: 'velero.io',
    scope: 'Namespaced',
    names: { plural: 'backups', singular: 'backup', kind: 'Backup', listKind: 'BackupList' },
    versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
