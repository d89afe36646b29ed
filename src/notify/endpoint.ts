// An HTTP endpoint named in a plan (an Alertmanager, a webhook): credentials written into its URL move
// to an Authorization header, because fetch refuses them in the URL and messages must not show them.

export interface Endpoint {
  /** The URL without user and password. */
  readonly url: URL;
  /** `Basic …` when the URL carried credentials. */
  readonly authorization?: string;
  /** For messages, journals and reports: no credentials, and query values replaced by "…". */
  readonly display: string;
}

/** Throws a TypeError naming the text when it is not an absolute http(s) URL. */
export function parseEndpoint(text: string): Endpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch (e: unknown) {
    throw new TypeError(`${JSON.stringify(text)} is not a URL; write an absolute URL such as http://127.0.0.1:9093`, { cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${JSON.stringify(displayOf(url))} is not an http or https URL; write it as http://host:port or https://host`);
  }
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return authorization === undefined ? { url, display: displayOf(url) } : { url, authorization, display: displayOf(url) };
}

/** The URL as it may be shown: never its credentials, and only the names of query parameters (tokens hide there). */
export function displayOf(url: URL): string {
  const names = [...new Set(url.searchParams.keys())];
  const query = names.length > 0 ? `?${names.map((n) => `${n}=…`).join('&')}` : '';
  return `${url.protocol}//${url.host}${url.pathname}${query}`;
}
