// The rules of a structural schema (Kubernetes' apiextensions "Specifying a structural schema"), checked
// independently of the converter that is meant to keep them: what the API server would refuse, as messages
// with the path of each offending node.
type Node = { [key: string]: unknown };

const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
const NOT_IN_JUNCTORS = ['type', 'description', 'default', 'additionalProperties', 'nullable'] as const;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of `schema`, one line each; empty when the API server would take it as structural. */
export function structuralProblems(schema: Node, path = ''): string[] {
  const problems: string[] = [];
  const at = path || '(root)';
  const typed = typeof schema.type === 'string' && schema.type !== '';
  if (!typed && schema['x-kubernetes-int-or-string'] !== true && schema['x-kubernetes-preserve-unknown-fields'] !== true) problems.push(`${at}: no type`);
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) problems.push(`${at}: both properties and additionalProperties`);
  problems.push(...forbiddenKeywords(schema, at));
  if (schema['x-kubernetes-int-or-string'] === true && schema.anyOf !== undefined && JSON.stringify(schema.anyOf) !== '[{"type":"integer"},{"type":"string"}]') {
    problems.push(`${at}: x-kubernetes-int-or-string with an anyOf other than [{type: integer}, {type: string}]`);
  }
  for (const [name, child] of Object.entries(isNode(schema.properties) ? schema.properties : {})) problems.push(...structuralProblems(child as Node, `${path}.${name}`));
  if (isNode(schema.items)) problems.push(...structuralProblems(schema.items, `${path}[]`));
  if (isNode(schema.additionalProperties)) problems.push(...structuralProblems(schema.additionalProperties, `${path}{}`));
  for (const junctor of JUNCTORS) {
    const value = schema[junctor];
    if (value === undefined) continue;
    const intOrString = junctor === 'anyOf' && schema['x-kubernetes-int-or-string'] === true;
    for (const [i, branch] of (Array.isArray(value) ? value : [value]).entries()) {
      if (!intOrString) problems.push(...junctorProblems(branch as Node, schema, `${at} ${junctor}[${i}]`));
    }
  }
  return problems;
}

function forbiddenKeywords(schema: Node, at: string): string[] {
  const problems: string[] = [];
  if ('$ref' in schema) problems.push(`${at}: $ref`);
  if ('$defs' in schema || 'definitions' in schema) problems.push(`${at}: definitions`);
  if ('const' in schema) problems.push(`${at}: const`);
  if (schema.additionalProperties === false) problems.push(`${at}: additionalProperties: false`);
  return problems;
}

/** Inside a junctor: no type, description, default, additionalProperties or nullable, and no field the outside does not declare. */
function junctorProblems(branch: Node, outside: Node, at: string): string[] {
  const problems = forbiddenKeywords(branch, at);
  for (const k of NOT_IN_JUNCTORS) if (k in branch) problems.push(`${at}: ${k} inside a junctor`);
  const declared = isNode(outside.properties) ? outside.properties : {};
  for (const [name, child] of Object.entries(isNode(branch.properties) ? branch.properties : {})) {
    if (!(name in declared)) problems.push(`${at}: field ${name} is not declared outside the junctor`);
    else problems.push(...junctorProblems(child as Node, declared[name] as Node, `${at}.${name}`));
  }
  if (isNode(branch.items)) {
    if (!isNode(outside.items)) problems.push(`${at}: items not declared outside the junctor`);
    else problems.push(...junctorProblems(branch.items, outside.items, `${at}[]`));
  }
  for (const junctor of JUNCTORS) {
    const value = branch[junctor];
    if (value === undefined) continue;
    for (const [i, nested] of (Array.isArray(value) ? value : [value]).entries()) problems.push(...junctorProblems(nested as Node, outside, `${at} ${junctor}[${i}]`));
  }
  return problems;
}
