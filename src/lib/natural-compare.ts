// Orders names the way people read them ("node-2" before "node-10"), the same on every machine: digit runs
// compare as numbers, everything else by UTF-16 code units, no locale involved.

/** Negative, zero or positive, as Array.prototype.sort expects. */
export function naturalCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ra.length, rb.length);
  for (let i = 0; i < n; i++) {
    const c = compareRun(ra[i] as string, rb[i] as string);
    if (c !== 0) return c;
  }
  if (ra.length !== rb.length) return ra.length - rb.length;
  return a < b ? -1 : 1;
}

function compareRun(x: string, y: string): number {
  if (isDigit(x) && isDigit(y)) {
    const tx = x.replace(/^0+(?=\d)/, '');
    const ty = y.replace(/^0+(?=\d)/, '');
    if (tx.length !== ty.length) return tx.length - ty.length;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

function isDigit(run: string): boolean {
  const c = run.charCodeAt(0);
  return c >= 48 && c <= 57;
}
