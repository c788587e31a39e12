// A small JSON Schema (2020-12) checker for the schemas of our OpenAPI document: enough to hold real answers against
// what the document promises. A keyword it does not know is an error, never silently passed: a document using one
// must teach it here first.

type Schema = Record<string, unknown>;

/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'example',
  'examples',
  'default',
  'deprecated',
  '$schema',
  'format',
]);
const CHECKED = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'anyOf',
  'oneOf',
  'allOf',
]);

const typeOf = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'number' && Number.isInteger(value)
        ? 'integer'
        : typeof value;

/** The places where `value` breaks `schema` ($refs resolved in `root`), as `path: reason` lines; empty when it fits. */
export function schemaErrors(root: Schema, schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const fail = (reason: string) => errors.push(`${at}: ${reason}`);
  for (const key of Object.keys(schema)) {
    if (!CHECKED.has(key) && !ANNOTATIONS.has(key)) fail(`schema keyword "${key}" is not understood by this checker`);
  }
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, part) => (node as Schema | undefined)?.[part], root);
    if (!target) return [...errors, `${at}: unresolved $ref ${schema.$ref}`];
    errors.push(...schemaErrors(root, target as Schema, value, at));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [...errors, `${at}: expected ${types.join(' | ')}, got ${actual}`];
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail(`${JSON.stringify(value)} is not in the enum`);
  if ('const' in schema && schema.const !== value) fail(`expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) fail('too small');
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) fail('too large');
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`more than ${schema.maxItems}`);
    if (schema.items)
      value.forEach((v, i) => errors.push(...schemaErrors(root, schema.items as Schema, v, `${at}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) fail(`missing "${name}"`);
    for (const [name, v] of Object.entries(object)) {
      const property = properties[name];
      if (property) errors.push(...schemaErrors(root, property, v, `${at}.${name}`));
      else if (schema.additionalProperties === false) fail(`undocumented property "${name}"`);
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...schemaErrors(root, schema.additionalProperties as Schema, v, `${at}.${name}`));
      }
    }
  }
  for (const s of (schema.allOf ?? []) as Schema[]) errors.push(...schemaErrors(root, s, value, at));
  const matching = (list: Schema[]) => list.filter((s) => schemaErrors(root, s, value, at).length === 0).length;
  if (Array.isArray(schema.anyOf) && matching(schema.anyOf as Schema[]) === 0) fail('matches none of anyOf');
  if (Array.isArray(schema.oneOf) && matching(schema.oneOf as Schema[]) !== 1)
    fail('does not match exactly one of oneOf');
  return errors;
}
