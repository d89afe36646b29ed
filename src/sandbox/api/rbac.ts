// Who a request comes from and what it may do, as a real API server with RBAC decides it: the sandbox's
// admin token may do anything; a ServiceAccount token (from POST .../serviceaccounts/NAME/token) may do
// what the Roles and ClusterRoles bound to that account, or to its groups, allow, and gets 403 Forbidden
// for the rest. There are no bootstrap roles (view, edit, ...): a test binds the rules it means.
import { randomBytes } from 'node:crypto';
import type { KObject } from '../k8s-types.ts';
import { resourceKey } from '../resources.ts';
import type { ResourceType } from '../resources.ts';
import type { ObjectStore } from '../store.ts';
import { isObject } from './request.ts';
import type { ApiTarget } from './request.ts';
import { ApiError } from './status.ts';

export interface ServiceAccountUser {
  readonly namespace: string;
  readonly name: string;
  readonly expiresMs: number;
}

export type Identity = { readonly admin: true } | { readonly admin: false; readonly account: ServiceAccountUser };

/** Tokens issued for ServiceAccounts by one API server; they live as long as the server. */
export class ServiceAccountTokens {
  private readonly tokens = new Map<string, ServiceAccountUser>();

  issue(account: ServiceAccountUser): string {
    const token = `sa.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, account);
    return token;
  }

  /** The account a bearer token names, unless unknown or expired (`nowMs` in wall-clock time, as a JWT's exp). */
  lookup(token: string, nowMs: number): ServiceAccountUser | undefined {
    const account = this.tokens.get(token);
    return account && account.expiresMs > nowMs ? account : undefined;
  }
}

export function userName(a: ServiceAccountUser): string {
  return `system:serviceaccount:${a.namespace}:${a.name}`;
}

/** The TokenRequest a real API server answers, for an account that exists. */
export function tokenRequest(sa: KObject, body: unknown, token: string, nowMs: number, expirationSeconds: number): unknown {
  const spec = isObject(body) && isObject(body.spec) ? body.spec : {};
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace: sa.metadata.namespace, creationTimestamp: new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z') },
    spec: { audiences: Array.isArray(spec.audiences) ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'], expirationSeconds, boundObjectRef: null },
    status: { token, expirationTimestamp: new Date(nowMs + expirationSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
  };
}

/** The verb RBAC checks for a request, as kube-apiserver's RequestInfo names it. */
export function verbOf(method: string, t: ApiTarget, watch: boolean): string {
  if (method === 'GET') return watch ? 'watch' : t.name ? 'get' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return t.name ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

interface Rule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
  readonly resourceNames?: readonly string[];
}

interface Subject {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

const RBAC = 'rbac.authorization.k8s.io';

/** Whether RBAC allows the account `verb` on the target, from the Roles and bindings stored now. */
export function allowed(store: ObjectStore, account: ServiceAccountUser, verb: string, t: ApiTarget): boolean {
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'];
  const matches = (s: Subject, bindingNs: string | undefined): boolean =>
    (s.kind === 'ServiceAccount' && s.name === account.name && (s.namespace ?? bindingNs) === account.namespace) ||
    (s.kind === 'User' && s.name === userName(account)) ||
    (s.kind === 'Group' && groups.includes(s.name ?? ''));
  const resource = t.subresource ? `${t.type.resource}/${t.subresource}` : t.type.resource;
  const ruleAllows = (r: Rule): boolean =>
    has(r.verbs, verb) && has(r.apiGroups, t.type.group) && (has(r.resources, resource) || (!!t.subresource && (r.resources ?? []).includes(`${t.type.resource}/*`))) && (!r.resourceNames?.length || (!!t.name && r.resourceNames.includes(t.name)));
  const bindings: { binding: KObject; namespace?: string }[] = store.list(`clusterrolebindings.${RBAC}`).map((binding) => ({ binding }));
  if (t.namespace) for (const binding of store.list(`rolebindings.${RBAC}`, t.namespace)) bindings.push({ binding, namespace: t.namespace });
  for (const { binding, namespace } of bindings) {
    const b = binding as unknown as { subjects?: Subject[]; roleRef?: { kind?: string; name?: string } };
    if (!(b.subjects ?? []).some((s) => matches(s, namespace))) continue;
    const role = b.roleRef?.kind === 'ClusterRole' ? store.get(`clusterroles.${RBAC}`, undefined, b.roleRef.name ?? '') : namespace ? store.get(`roles.${RBAC}`, namespace, b.roleRef?.name ?? '') : undefined;
    const rules = ((role as unknown as { rules?: Rule[] } | undefined)?.rules ?? []) as Rule[];
    if (rules.some(ruleAllows)) return true;
  }
  return false;
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value));
}

/** kube-apiserver's 403 body for a request RBAC denied (responsewriters.forbiddenMessage, errors.NewForbidden). */
export function forbidden(account: ServiceAccountUser, verb: string, t: ApiTarget): ApiError {
  const resource = t.subresource ? `${t.type.resource}/${t.subresource}` : t.type.resource;
  const scope = t.namespace ? `in the namespace "${t.namespace}"` : 'at the cluster scope';
  const reason = `User "${userName(account)}" cannot ${verb} resource "${resource}" in API group "${t.type.group}" ${scope}`;
  const qualified = t.type.group ? `${t.type.resource}.${t.type.group}` : t.type.resource;
  const message = t.name ? `${qualified} "${t.name}" is forbidden: ${reason}` : `${qualified} is forbidden: ${reason}`;
  const details = { ...(t.name ? { name: t.name } : {}), ...(t.type.group ? { group: t.type.group } : {}), kind: t.type.resource };
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });
}

/**
 * A SelfSubjectAccessReview's answer: whether the requester may do what `spec.resourceAttributes` names.
 * Any authenticated identity may ask (system:basic-user); `find` resolves the group and resource.
 */
export function selfSubjectAccessReview(identity: Identity, body: unknown, find: (group: string, resource: string) => ResourceType | undefined, store: ObjectStore): unknown {
  const spec = isObject(body) && isObject(body.spec) ? body.spec : {};
  const a = isObject(spec.resourceAttributes) ? spec.resourceAttributes : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const type = find(str(a.group), str(a.resource));
  let ok = identity.admin;
  if (!identity.admin && type) {
    const t: ApiTarget = { type, key: resourceKey(type), namespace: str(a.namespace) || undefined, name: str(a.name) || undefined, subresource: str(a.subresource) || undefined };
    ok = allowed(store, identity.account, str(a.verb), t);
  }
  return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec, status: { allowed: ok } };
}
