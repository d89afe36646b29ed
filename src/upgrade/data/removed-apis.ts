// Shipped table of Kubernetes API versions that a release removed, with the replacement, for the
// deprecated-API scan. Data only; checked by check-tables.ts.
import type { TableSource } from './releases.ts';

export interface RemovedApi {
  /** API group; "" would be the core group (no core API is in the table). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /**
   * The minor that deprecated it ("1.19"). The sources gathered give no deprecation minors, so every
   * shipped row leaves this undefined; the scanner uses it when a row sets it.
   */
  readonly deprecatedIn?: string;
  /** The minor that stopped serving it ("1.25"). */
  readonly removedIn: string;
  /** The apiVersion to move to ("batch/v1"), or null when there is none (PodSecurityPolicy). */
  readonly replacement: string | null;
  /** The minor that first served the replacement, where the sources say. */
  readonly replacementSince?: string;
  readonly note?: string;
}

export const REMOVED_APIS_SOURCE: TableSource = {
  urls: [
    'https://kubernetes.io/docs/reference/using-api/deprecation-guide/',
    'https://github.com/kubernetes/website/blob/main/content/en/docs/reference/using-api/deprecation-guide.md',
    'https://github.com/FairwindsOps/pluto/blob/master/versions.yaml',
  ],
  gathered: '2026-11-21',
  dataAsOf: '2026-04',
  note: 'The deprecation guide lists v1.32, v1.29, v1.27, v1.26, v1.25, v1.22 and v1.16; rows marked "per Pluto" come from Pluto versions.yaml (repository state of 2026-04). Neither source as gathered gives deprecation minors, so deprecatedIn is unset.',
};

const ALPHA = 'alpha API: affects only clusters that enabled it';

function rows(groupVersions: readonly string[], kinds: readonly string[], rest: Omit<RemovedApi, 'group' | 'version' | 'kind'>): RemovedApi[] {
  return groupVersions.flatMap((gv) => {
    const slash = gv.lastIndexOf('/');
    const group = slash < 0 ? '' : gv.slice(0, slash);
    const version = gv.slice(slash + 1);
    return kinds.map((kind) => ({ group, version, kind, ...rest }));
  });
}

// Copied from the reference "Removed Kubernetes APIs by release" (sources above).
export const REMOVED_APIS: readonly RemovedApi[] = [
  // 1.16 (deprecation guide)
  ...rows(['extensions/v1beta1'], ['NetworkPolicy'], { removedIn: '1.16', replacement: 'networking.k8s.io/v1', replacementSince: '1.8' }),
  ...rows(['extensions/v1beta1', 'apps/v1beta2'], ['DaemonSet'], { removedIn: '1.16', replacement: 'apps/v1', replacementSince: '1.9' }),
  ...rows(['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'], ['Deployment', 'ReplicaSet'], { removedIn: '1.16', replacement: 'apps/v1', replacementSince: '1.9' }),
  ...rows(['apps/v1beta1', 'apps/v1beta2'], ['StatefulSet'], { removedIn: '1.16', replacement: 'apps/v1', replacementSince: '1.9' }),
  ...rows(['extensions/v1beta1'], ['PodSecurityPolicy'], { removedIn: '1.16', replacement: 'policy/v1beta1', replacementSince: '1.10' }),
  // 1.17, per Pluto (replacement's first minor not given)
  ...rows(['scheduling.k8s.io/v1alpha1'], ['PriorityClass'], { removedIn: '1.17', replacement: 'scheduling.k8s.io/v1', note: 'per Pluto' }),
  // 1.22 (deprecation guide)
  ...rows(['admissionregistration.k8s.io/v1beta1'], ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], {
    removedIn: '1.22',
    replacement: 'admissionregistration.k8s.io/v1',
    replacementSince: '1.16',
    note: 'v1 changes defaults: failurePolicy Fail, matchPolicy Equivalent, timeout 10 s; sideEffects and admissionReviewVersions are required',
  }),
  ...rows(['apiextensions.k8s.io/v1beta1'], ['CustomResourceDefinition'], { removedIn: '1.22', replacement: 'apiextensions.k8s.io/v1', replacementSince: '1.16', note: 'v1 requires a structural schema' }),
  ...rows(['apiregistration.k8s.io/v1beta1'], ['APIService'], { removedIn: '1.22', replacement: 'apiregistration.k8s.io/v1', replacementSince: '1.10' }),
  ...rows(['authentication.k8s.io/v1beta1'], ['TokenReview'], { removedIn: '1.22', replacement: 'authentication.k8s.io/v1', replacementSince: '1.6' }),
  ...rows(['authorization.k8s.io/v1beta1'], ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview'], { removedIn: '1.22', replacement: 'authorization.k8s.io/v1', replacementSince: '1.6' }),
  ...rows(['certificates.k8s.io/v1beta1'], ['CertificateSigningRequest'], { removedIn: '1.22', replacement: 'certificates.k8s.io/v1', replacementSince: '1.19', note: 'v1 requires signerName' }),
  ...rows(['coordination.k8s.io/v1beta1'], ['Lease'], { removedIn: '1.22', replacement: 'coordination.k8s.io/v1', replacementSince: '1.14' }),
  ...rows(['extensions/v1beta1', 'networking.k8s.io/v1beta1'], ['Ingress'], { removedIn: '1.22', replacement: 'networking.k8s.io/v1', replacementSince: '1.19', note: 'v1 requires pathType; serviceName becomes service.name' }),
  ...rows(['networking.k8s.io/v1beta1'], ['IngressClass'], { removedIn: '1.22', replacement: 'networking.k8s.io/v1', replacementSince: '1.19' }),
  ...rows(['rbac.authorization.k8s.io/v1beta1'], ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], { removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1', replacementSince: '1.8' }),
  ...rows(['scheduling.k8s.io/v1beta1'], ['PriorityClass'], { removedIn: '1.22', replacement: 'scheduling.k8s.io/v1', replacementSince: '1.14' }),
  ...rows(['storage.k8s.io/v1beta1'], ['CSIDriver'], { removedIn: '1.22', replacement: 'storage.k8s.io/v1', replacementSince: '1.19' }),
  ...rows(['storage.k8s.io/v1beta1'], ['CSINode'], { removedIn: '1.22', replacement: 'storage.k8s.io/v1', replacementSince: '1.17' }),
  ...rows(['storage.k8s.io/v1beta1'], ['StorageClass'], { removedIn: '1.22', replacement: 'storage.k8s.io/v1', replacementSince: '1.6' }),
  ...rows(['storage.k8s.io/v1beta1'], ['VolumeAttachment'], { removedIn: '1.22', replacement: 'storage.k8s.io/v1', replacementSince: '1.13' }),
  // 1.24, per Pluto: audit.k8s.io/v1alpha1 and v1beta1 are a configuration-file API, never served and
  // with no kind named in the sources; not in this table.
  // 1.25 (deprecation guide)
  ...rows(['batch/v1beta1'], ['CronJob'], { removedIn: '1.25', replacement: 'batch/v1', replacementSince: '1.21' }),
  ...rows(['discovery.k8s.io/v1beta1'], ['EndpointSlice'], { removedIn: '1.25', replacement: 'discovery.k8s.io/v1', replacementSince: '1.21' }),
  ...rows(['events.k8s.io/v1beta1'], ['Event'], { removedIn: '1.25', replacement: 'events.k8s.io/v1', replacementSince: '1.19' }),
  ...rows(['autoscaling/v2beta1'], ['HorizontalPodAutoscaler'], { removedIn: '1.25', replacement: 'autoscaling/v2', replacementSince: '1.23' }),
  ...rows(['policy/v1beta1'], ['PodDisruptionBudget'], { removedIn: '1.25', replacement: 'policy/v1', replacementSince: '1.21' }),
  ...rows(['policy/v1beta1'], ['PodSecurityPolicy'], { removedIn: '1.25', replacement: null, note: 'no replacement: use Pod Security Admission' }),
  ...rows(['node.k8s.io/v1beta1'], ['RuntimeClass'], { removedIn: '1.25', replacement: 'node.k8s.io/v1', replacementSince: '1.20' }),
  // 1.26 (deprecation guide)
  ...rows(['flowcontrol.apiserver.k8s.io/v1beta1'], ['FlowSchema', 'PriorityLevelConfiguration'], {
    removedIn: '1.26',
    replacement: 'flowcontrol.apiserver.k8s.io/v1beta2',
    note: 'later flowcontrol.apiserver.k8s.io/v1beta3, or v1 from 1.29',
  }),
  ...rows(['autoscaling/v2beta2'], ['HorizontalPodAutoscaler'], { removedIn: '1.26', replacement: 'autoscaling/v2', replacementSince: '1.23' }),
  // 1.27 (deprecation guide)
  ...rows(['storage.k8s.io/v1beta1'], ['CSIStorageCapacity'], { removedIn: '1.27', replacement: 'storage.k8s.io/v1', replacementSince: '1.24' }),
  // 1.29 (deprecation guide)
  ...rows(['flowcontrol.apiserver.k8s.io/v1beta2'], ['FlowSchema', 'PriorityLevelConfiguration'], {
    removedIn: '1.29',
    replacement: 'flowcontrol.apiserver.k8s.io/v1',
    replacementSince: '1.29',
    note: 'or flowcontrol.apiserver.k8s.io/v1beta3 (from 1.26) while the cluster is older than 1.29',
  }),
  // 1.32 (deprecation guide)
  ...rows(['flowcontrol.apiserver.k8s.io/v1beta3'], ['FlowSchema', 'PriorityLevelConfiguration'], { removedIn: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1', replacementSince: '1.29' }),
  // 1.33 to 1.35, per Pluto: alpha APIs
  ...rows(['admissionregistration.k8s.io/v1alpha1'], ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], {
    removedIn: '1.33',
    replacement: 'admissionregistration.k8s.io/v1',
    replacementSince: '1.30',
    note: `per Pluto; ${ALPHA}`,
  }),
  ...rows(['resource.k8s.io/v1alpha3'], ['ResourceSlice', 'ResourceClaim', 'DeviceClass', 'ResourceClaimTemplate'], { removedIn: '1.34', replacement: 'resource.k8s.io/v1', replacementSince: '1.34', note: `per Pluto; ${ALPHA}` }),
  ...rows(['storage.k8s.io/v1alpha1'], ['VolumeAttributesClass'], { removedIn: '1.35', replacement: 'storage.k8s.io/v1', replacementSince: '1.34', note: `per Pluto; ${ALPHA}` }),
  ...rows(['storagemigration.k8s.io/v1alpha1'], ['StorageVersionMigration'], { removedIn: '1.35', replacement: 'storagemigration.k8s.io/v1beta1', replacementSince: '1.35', note: `per Pluto; ${ALPHA}` }),
  // 1.36, per Pluto: a beta API. The reference says "DRA kinds" without naming them; the kinds here are
  // those it names for resource.k8s.io/v1alpha3 (derived, unverified).
  ...rows(['resource.k8s.io/v1beta1'], ['ResourceSlice', 'ResourceClaim', 'DeviceClass', 'ResourceClaimTemplate'], {
    removedIn: '1.36',
    replacement: 'resource.k8s.io/v1beta2',
    replacementSince: '1.33',
    note: 'per Pluto; kinds derived from the v1alpha3 row (unverified)',
  }),
];
