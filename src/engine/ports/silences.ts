// The silences port: alerts held quiet while the engine works on a region or a platform component, in the
// plan's Alertmanager (src/notify/silences.ts behind it, wired by the CLI). Each silence is journaled before
// it is made and expired after the work, whether the work passed or failed.

/** Silences for a region under maintenance, in one Alertmanager. */
export interface SilencePort {
  readonly alertmanager: string;
  /** Creates the region's silence; `marker` goes into its comment so recovery can find it. */
  create(region: string, marker: string, signal: AbortSignal): Promise<string>;
  expire(id: string, signal: AbortSignal): Promise<void>;
}

/** Silences with matchers of their own (a platform component's), in the plan's Alertmanager. */
export interface Silencer {
  readonly alertmanager: string;
  create(matchers: readonly { readonly name: string; readonly value: string; readonly isRegex: boolean }[], comment: string, signal: AbortSignal): Promise<string>;
  expire(id: string, signal: AbortSignal): Promise<void>;
}
