// Kubernetes versions as text people and servers write them: "v1.31.2", "1.31", "v1.30.4-eks-1a2b" or
// "v1.29.3+k3s1" become a minor and a patch to compare. Pure, so the engine (control-plane checks) and
// the upgrade planner (skew) read versions the same way without one importing the other.

/** A parsed version of Kubernetes 1.x: `minor` is what skew is counted in. */
export interface KubeVersion {
  readonly minor: number;
  readonly patch?: number;
  /** As written, for messages. */
  readonly text: string;
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?$/;

/** The version in `text`, or undefined when it is not one or not Kubernetes 1.x. */
export function parseVersion(text: string): KubeVersion | undefined {
  const m = VERSION.exec(text.trim());
  if (!m || m[1] !== '1') return undefined;
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? undefined : Number(m[3]);
  return patch === undefined ? { minor, text } : { minor, patch, text };
}

const EXACT = /^v\d+\.\d+\.\d+$/;

/**
 * Whether `text` is a kubelet version exactly as the node action protocol carries it ("v1.31.2": no
 * suffix, nothing a shell or a flag could read): what an `upgrade` action must name.
 */
export function isExactVersion(text: string | undefined): text is string {
  return text !== undefined && EXACT.test(text);
}
