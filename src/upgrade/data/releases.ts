// Shipped table of Kubernetes minor releases with their support dates, for the upgrade planner's
// end-of-life check and the patch each step installs. Data only; checked by check-tables.ts.

/** One Kubernetes minor and its upstream support dates (ISO dates, UTC). */
export interface Release {
  /** "1.31" */
  readonly minor: string;
  readonly released: string;
  /** End of standard support: the start of maintenance mode. */
  readonly endOfStandardSupport: string;
  /** End of patch support. */
  readonly endOfLife: string;
  /** The newest patch when the data was gathered, e.g. "1.31.14". */
  readonly latestPatch: string;
}

export interface TableSource {
  readonly urls: readonly string[];
  /** When the facts were gathered (ISO date). */
  readonly gathered: string;
  /** What the data says about its own age. */
  readonly dataAsOf: string;
  readonly note?: string;
}

export const RELEASES_SOURCE: TableSource = {
  urls: [
    'https://endoflife.date/kubernetes',
    'https://github.com/endoflife-date/endoflife.date/blob/master/products/kubernetes.md',
    'https://kubernetes.io/releases/version-skew-policy/',
  ],
  gathered: '2026-11-21',
  dataAsOf: '2026-08',
  note: 'endoflife.date data of August 2026; the table ends at 1.36 (a 1.37 release, due about late August 2026 on the 15-week cadence, is not in this data: unverified).',
};

// Copied from the reference "Release and end-of-life dates (endoflife.date data, August 2026)".
export const RELEASES: readonly Release[] = [
  { minor: '1.28', released: '2023-08-15', endOfStandardSupport: '2024-08-28', endOfLife: '2024-10-28', latestPatch: '1.28.15' },
  { minor: '1.29', released: '2023-12-13', endOfStandardSupport: '2024-12-28', endOfLife: '2025-02-28', latestPatch: '1.29.15' },
  { minor: '1.30', released: '2024-04-17', endOfStandardSupport: '2025-04-28', endOfLife: '2025-07-15', latestPatch: '1.30.14' },
  { minor: '1.31', released: '2024-08-13', endOfStandardSupport: '2025-08-28', endOfLife: '2025-11-11', latestPatch: '1.31.14' },
  { minor: '1.32', released: '2024-12-11', endOfStandardSupport: '2025-12-28', endOfLife: '2026-02-28', latestPatch: '1.32.13' },
  { minor: '1.33', released: '2025-04-23', endOfStandardSupport: '2026-04-28', endOfLife: '2026-06-28', latestPatch: '1.33.13' },
  { minor: '1.34', released: '2025-08-27', endOfStandardSupport: '2026-08-27', endOfLife: '2026-10-27', latestPatch: '1.34.11' },
  { minor: '1.35', released: '2025-12-17', endOfStandardSupport: '2026-12-28', endOfLife: '2027-02-28', latestPatch: '1.35.8' },
  { minor: '1.36', released: '2026-04-22', endOfStandardSupport: '2027-04-28', endOfLife: '2027-06-28', latestPatch: '1.36.4' },
];
