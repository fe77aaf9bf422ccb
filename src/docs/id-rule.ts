/**
 * An attribute named `id` (s3db.js accepts one, e.g. `id: 'string|required'`
 * or `id: 'uuid'`) is a rule for the document id, not a stored field: the id
 * is the object's key. The rule is checked on every insert, before any request.
 */
import { ConfigurationError, ValidationError } from '../core/errors.js';
import type { AttributesDefinition } from './schema.js';
import { toValidatorRule, validator } from './schema-types.js';

export type IdCheck = (id: string) => void;

/** The check of the `id` attribute of a definition, or undefined when there is none. */
export function compileIdRule(resource: string, attributes: AttributesDefinition): IdCheck | undefined {
  const rule = attributes.id;
  if (rule === undefined) return undefined;
  if (typeof rule !== 'string') throw new ConfigurationError(`Attribute \`id\` of ${resource} must be a rule string such as 'string|required' or 'uuid', got ${typeof rule}`);
  let checker: (value: unknown) => true | { message?: string; type: string; expected?: unknown }[] | Promise<unknown>;
  try {
    // Every id exists when it is checked (given or generated), so `optional` and `required` mean the same here.
    checker = validator.compile({ id: toValidatorRule(rule) }) as typeof checker;
  } catch (err) {
    throw new ConfigurationError(`Invalid rule for attribute \`id\` of ${resource}: ${(err as Error).message}`, { cause: err });
  }
  return (id) => {
    const result = checker({ id });
    if (result === true) return;
    if (!Array.isArray(result)) throw new ConfigurationError('Async validation rules are not supported for `id`');
    throw new ValidationError(
      `Invalid ${resource} id ${JSON.stringify(id.slice(0, 60))}: ${result.map((e) => e.message ?? e.type).join(' ')}`,
      result.map((e) => ({ field: 'id', message: e.message ?? e.type, type: e.type, ...(e.expected !== undefined ? { expected: e.expected } : {}), actual: id })),
    );
  };
}
