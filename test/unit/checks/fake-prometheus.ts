// A Prometheus HTTP API as an injected fetch: answers instant queries with a chosen body (or fails like an
// unreachable server) and keeps the queries it was sent, decoded.
export interface FakePrometheus {
  readonly fetch: typeof fetch;
  /** The `query` parameter of every request, in order. */
  readonly queries: string[];
}

export type Answer = { readonly status: number; readonly body: unknown } | Error;

export function fakePrometheus(answer: Answer): FakePrometheus {
  const queries: string[] = [];
  const doFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (url.pathname !== '/api/v1/query') throw new Error(`the fake Prometheus only answers /api/v1/query, not ${url.pathname}`);
    queries.push(url.searchParams.get('query') ?? '');
    if (init?.signal?.aborted) throw init.signal.reason;
    if (answer instanceof Error) throw answer;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: doFetch, queries };
}

/** An instant vector with one series per value. */
export function vector(...values: string[]): { status: number; body: unknown } {
  return { status: 200, body: { status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { instance: `p${i}` }, value: [1_700_000_000.5, v] })) } } };
}

/** What fetch throws when nothing listens: "fetch failed" with the cause inside. */
export function refused(port = 9): Error {
  return new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED 127.0.0.1:${port}`) });
}
