// The Kubernetes version-skew policy for kubelets, as numbers: how far behind the API servers a kubelet
// may be, and the stricter upgrade-order wording that the planner warns about.
// Source: https://kubernetes.io/releases/version-skew-policy/ (gathered 2026-11-21).

/** Minors a kubelet may be older than the API servers: three, two for kubelets older than 1.25. */
export function kubeletMaxSkew(kubeletMinor: number): number {
  return kubeletMinor < 25 ? 2 : 3;
}

/**
 * Whether a kubelet at `kubelet` may run beside API servers whose newest is `newest` and oldest is
 * `oldest`: never newer than the oldest, at most the allowed skew older than the newest.
 */
export function kubeletAllowed(kubelet: number, apiservers: { oldest: number; newest: number }): boolean {
  return kubelet <= apiservers.oldest && !tooFarBehind(kubelet, apiservers.newest);
}

/** Whether a kubelet is further behind an API server at `apiserver` than the policy allows. */
export function tooFarBehind(kubelet: number, apiserver: number): boolean {
  return apiserver - kubelet > kubeletMaxSkew(kubelet);
}

/**
 * Whether the page's upgrade-order text ("kubelet instances on all nodes are at version N-1 or N-2"
 * before kube-apiserver goes to N) would object to moving the API servers to `next` with this kubelet,
 * although the n-3 rule allows it.
 */
export function beyondUpgradeOrderText(kubelet: number, next: number): boolean {
  return next - kubelet > 2;
}
