// What a CLI command is: a name, one line for the command list, its help text, and a run function that
// returns the exit code (0 ok, 1 judged not OK, 2 bad input).

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}
