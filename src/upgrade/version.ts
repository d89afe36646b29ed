// Kubernetes versions as the upgrade planner reads them: "v1.31.2", "1.31", "v1.30.4-eks-1a2b" or
// "v1.29.3+k3s1" become a minor number to count skew with, and back into text.

import { parseVersion } from '../lib/kube-version.ts';

// The parser is shared with the engine's control-plane checks, so it lives in lib/.
export { parseVersion };
export type { KubeVersion } from '../lib/kube-version.ts';

/** "1.31" */
export function minorName(minor: number): string {
  return `1.${minor}`;
}

/** The minor number of "1.31", or undefined. */
export function minorOf(name: string): number | undefined {
  const v = parseVersion(name);
  return v?.patch === undefined ? v?.minor : undefined;
}

/** "v1.31.14" from "1.31.14" (a table's latest patch) or a version already written with a v. */
export function withV(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}
