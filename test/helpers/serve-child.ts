// `daylight serve`'s server in a child process, so that a test measures the server's memory alone:
// argv is the state dir and the stream limits (total, per client); it sends {url} when it listens, then
// answers 'memory' with process.memoryUsage() after a garbage collection and the bytes its event streams
// hold for their sockets (`buffered`), and ends on 'close'.
import { startServer } from '../../src/server/server.ts';

const [stateDir, total, perClient] = process.argv.slice(2);
if (!stateDir || !process.send) throw new Error('usage: fork(serve-child.ts, [stateDir, total, perClient])');
const send = process.send.bind(process);
const server = await startServer({ stateDir, port: 0, token: 'a-test-token-of-some-length', pollMs: 50, streams: { total: Number(total), perClient: Number(perClient) } });
send({ url: server.url });
process.on('message', (m: unknown) => {
  if (m === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    send({ memory: { ...process.memoryUsage(), buffered: server.streamBuffered() } });
  } else if (m === 'close') {
    void server.close().then(() => process.disconnect());
  }
});
