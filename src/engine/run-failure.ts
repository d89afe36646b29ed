// The run's own reason to stop for good (a gate failed, an approval was rejected, a phase cannot start):
// the runner gives back what it holds and ends the run failed with this message.
export class RunFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}
