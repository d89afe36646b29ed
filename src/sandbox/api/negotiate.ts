// Content negotiation: which representation a client asked for in its Accept header (plain JSON, a
// Table for `kubectl get`, or partial object metadata).

export type Representation =
  | { readonly as: 'object' }
  | { readonly as: 'Table'; readonly version: 'v1' | 'v1beta1' }
  | { readonly as: 'PartialObjectMetadata'; readonly version: 'v1' | 'v1beta1' };

/** The first alternative in the Accept header that this server can produce. */
export function negotiate(accept: string | undefined): Representation {
  for (const alternative of (accept ?? '').split(',')) {
    const [type, ...params] = alternative.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (!p.as) return { as: 'object' };
    if (p.g !== 'meta.k8s.io' || (p.v !== 'v1' && p.v !== 'v1beta1')) continue;
    if (p.as === 'Table') return { as: 'Table', version: p.v };
    if (p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') return { as: 'PartialObjectMetadata', version: p.v };
  }
  return { as: 'object' };
}
