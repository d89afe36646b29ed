// What a run id may be, checked wherever one comes from a user (a CLI argument, the dashboard's URL)
// before it names a folder: the alphabet of the ids Daylight makes, so no id can leave the state dir.

/**
 * Daylight makes `<plan>-<yyyymmdd>-<hhmmss>-<4 hex>` (engine/run-dir.ts newRunId), and a plan's name is
 * lower-case letters, digits and "-" (at most 63): so ids are that alphabet, at most 63 + 21 characters.
 * Hand-named runs in that alphabet (`weekly-run-1`) pass too; dots, slashes and upper case never do.
 */
const RUN_ID = /^[a-z0-9](?:[-a-z0-9]{0,82}[a-z0-9])?$/;

/** Why `id` is not a run id, or undefined when it is one. */
export function runIdProblem(id: string): string | undefined {
  if (RUN_ID.test(id)) return undefined;
  const shown = JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id);
  return `${shown} is not a run id: run ids are lower-case letters, digits and "-" (at most 84), like weekly-os-patch-20260901-090000-ab12`;
}
