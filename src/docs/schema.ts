/**
 * Resource schemas: attribute definitions written as fastest-validator string
 * rules, nested objects written as plain objects, and `secret` (an encrypted
 * string). A definition is parsed and compiled once per schema version; the
 * hot path only calls the compiled checker.
 */
import { ConfigurationError, ValidationError, type FieldError } from '../core/errors.js';
import type { AttributeMapping } from './attribute-mapping.js';
import { isPlainObject } from './codec.js';
import { copyInput } from './input-guard.js';
import { customType, isRuleObject, toValidatorRule, validator } from './schema-types.js';

/**
 * A rule string (`'string|min:2'`, `'secret'`, `'ip4|optional'`), a rule
 * object (`{ type: 'array', items: 'string' }`) or a nested object of attributes.
 */
export type AttributeDefinition = string | AttributesDefinition | RuleObject;

/** A fastest-validator rule in object notation: only rule keys, with a string `type`. */
export interface RuleObject {
  type: string;
  [rule: string]: unknown;
}

/**
 * Attributes of a resource: field name → rule string (fastest-validator
 * syntax plus `secret` and `password`), rule object, or nested object of
 * attributes. They validate every write and type the resource's documents.
 *
 * @example
 * { name: 'string|min:2|max:100', email: 'email', password: 'secret',
 *   address: { city: 'string', zip: 'string|optional' } }
 */
export interface AttributesDefinition {
  [name: string]: AttributeDefinition;
}

/** A stored value of the document: a leaf attribute or a nested object. */
export interface FieldSpec {
  /** Dotted path: `address.city`. */
  readonly path: string;
  readonly segments: readonly string[];
  /** Metadata key from the stable mapping. */
  readonly key: string;
  /** Nested object (its leaves are separate fields) rather than a value. */
  readonly isObject: boolean;
  /** Encrypted with the database passphrase. */
  readonly secret: boolean;
  /** `password`: stored as a bcrypt hash of what was written. */
  readonly password?: boolean;
}

export interface CompiledSchema {
  /** Fields in definition order, parents before their children. */
  readonly fields: readonly FieldSpec[];
  readonly byKey: ReadonlyMap<string, FieldSpec>;
  readonly hasSecrets: boolean;
  /** Validates a document without its id; returns every failing field. */
  check(data: Record<string, unknown>): true | FieldError[];
  /** A deep copy of `data` (validation defaults never mutate the caller's objects), checked by input-guard.ts. */
  cloneInput(data: Record<string, unknown>): Record<string, unknown>;
}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

interface ParsedField {
  path: string;
  segments: string[];
  isObject: boolean;
  secret: boolean;
  password?: boolean;
}

/** Every attribute path a definition declares (parents before children), validated. */
export function attributePaths(attributes: AttributesDefinition): ParsedField[] {
  const out: ParsedField[] = [];
  walk(attributes, [], out);
  return out;
}

function walk(attributes: AttributesDefinition, parent: string[], out: ParsedField[]): void {
  if (!isPlainObject(attributes)) {
    throw new ConfigurationError(`Attributes${parent.length ? ` of \`${parent.join('.')}\`` : ''} must be a plain object of rules, got ${typeof attributes}`);
  }
  for (const [name, rule] of Object.entries(attributes)) {
    if (name === '$$type' && parent.length > 0) continue;
    // A top-level `id` rule checks the document id (see id-rule.ts); it is not a stored field.
    if (name === 'id' && parent.length === 0) continue;
    const segments = [...parent, name];
    const path = segments.join('.');
    if (!ATTRIBUTE_NAME.test(name) || RESERVED_NAMES.has(name)) {
      throw new ConfigurationError(
        `Attribute name \`${path}\` is not allowed: use letters, digits, \`_\` and \`-\`, start with a letter or \`_\`, and not \`__proto__\`, \`constructor\` or \`prototype\``,
      );
    }
    if (typeof rule === 'string') {
      out.push({ path, segments, isObject: false, secret: isSecretRule(rule), ...(isPasswordRule(rule) ? { password: true } : {}) });
    } else if (isRuleObject(rule)) {
      out.push({ path, segments, isObject: false, secret: rule.type === 'secret', ...(rule.type === 'password' ? { password: true } : {}) });
    } else if (isPlainObject(rule)) {
      out.push({ path, segments, isObject: true, secret: false });
      walk(rule, segments, out);
    } else {
      throw new ConfigurationError(`Attribute \`${path}\` must be a rule string such as 'string|optional' or a nested object, got ${Array.isArray(rule) ? 'an array' : typeof rule}`);
    }
  }
}

function isSecretRule(rule: string): boolean {
  return rule === 'secret' || rule.startsWith('secret|');
}

function isPasswordRule(rule: string): boolean {
  return customType(rule.split('|')[0]?.trim() ?? '')?.name === 'password';
}

/** fastest-validator schema for a definition: `secret` becomes `string`, nested objects become strict object rules. */
function toValidatorSchema(attributes: AttributesDefinition, top = true): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(attributes)) {
    if (name === '$$type' || (top && name === 'id')) continue;
    if (typeof rule === 'string' || isRuleObject(rule)) {
      props[name] = toValidatorRule(rule);
    } else {
      const modifiers = typeof rule.$$type === 'string' ? rule.$$type.split('|').slice(1) : [];
      props[name] = {
        type: 'object',
        strict: true,
        optional: modifiers.includes('optional'),
        nullable: modifiers.includes('nullable'),
        props: toValidatorSchema(rule, false),
      };
    }
  }
  return props;
}

/** Compiles a definition against the resource's mapping. Throws ConfigurationError on unknown rules. */
export function compileSchema(attributes: AttributesDefinition, mapping: AttributeMapping): CompiledSchema {
  const parsed = attributePaths(attributes);
  const fields: FieldSpec[] = parsed.map((f) => {
    const key = mapping[f.path];
    if (key === undefined) throw new ConfigurationError(`Attribute \`${f.path}\` has no key in the attribute mapping (catalogue out of date?)`);
    return { ...f, key };
  });
  const secretPaths = new Set(fields.filter((f) => f.secret).map((f) => f.path));
  let checker: (value: unknown) => true | { type: string; message?: string; field?: string; expected?: unknown; actual?: unknown }[] | Promise<unknown>;
  try {
    checker = validator.compile({ $$strict: true, ...toValidatorSchema(attributes) }) as typeof checker;
  } catch (err) {
    throw new ConfigurationError(`Invalid attribute rules: ${(err as Error).message} Use fastest-validator rules such as 'string|min:2', 'number|integer', 'boolean', 'email', 'date', 'array|items:string' or 'secret'.`, { cause: err });
  }

  return {
    fields,
    byKey: new Map(fields.map((f) => [f.key, f])),
    hasSecrets: secretPaths.size > 0,
    check(data) {
      const result = checker(data);
      if (result === true) return true;
      if (!Array.isArray(result)) throw new ConfigurationError('Async validation rules are not supported in attributes');
      return result.map((e) => {
        const field = e.field ?? '(document)';
        // Never echo a secret's plaintext into an error.
        const isSecret = secretPaths.has(field);
        const error: FieldError = { field, message: e.message ?? e.type, type: e.type };
        if (e.expected !== undefined) error.expected = e.expected;
        if (!isSecret && e.actual !== undefined) error.actual = e.actual;
        return error;
      });
    },
    cloneInput(data) {
      return copyInput(data);
    },
  };
}

/** Turns a failed check into the ValidationError users see. */
export function validationFailed(resource: string, errors: FieldError[]): ValidationError {
  const fields = errors.map((e) => e.field).join(', ');
  return new ValidationError(`Invalid ${resource} document: ${errors.length} field(s) failed (${fields}): ${errors.map((e) => e.message).join(' ')}`, errors);
}
