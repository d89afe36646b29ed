// What a CLI command is: a name, its help text, and a run function that returns the exit code (0 ok, 1
// judged not OK, 2 bad input); and its entry in the command list, which loads it only when it runs.

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
}

export interface Command {
  readonly name: string;
  readonly help: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}

/** A command in `daylight --help`'s list: its name, one line, and its module, imported only when it runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}
