/**
 * `password` attributes: the plaintext is checked against the rule (string,
 * min, max, …), then stored as a bcrypt hash (10 rounds); a value
 * that already is a bcrypt hash (read back and written again) is kept.
 * `verifyPassword(plain, hash)` (core) checks a password against a stored hash.
 */
import { bcryptHash } from '../core/passwords.js';
import { ValidationError } from '../core/errors.js';
import { isPlainObject } from './codec.js';
import { isRuleObject, validator } from './schema-types.js';
import type { AttributeDefinition, AttributesDefinition } from './schema.js';

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
export const BCRYPT_ROUNDS = 10;

interface PasswordField {
  segments: string[];
  check: (value: unknown) => true | { message?: string; type: string }[];
}

export class PasswordFields {
  readonly #fields: PasswordField[] = [];
  readonly #resource: string;

  readonly #rounds: number;

  constructor(resource: string, attributes: AttributesDefinition, rounds: number = BCRYPT_ROUNDS) {
    this.#resource = resource;
    this.#rounds = rounds;
    this.#collect(attributes, []);
  }

  get size(): number {
    return this.#fields.length;
  }

  #collect(attributes: AttributesDefinition, parent: string[]): void {
    for (const [name, rule] of Object.entries(attributes) as [string, AttributeDefinition][]) {
      if (name === '$$type' || (parent.length === 0 && name === 'id')) continue;
      const plain = plaintextRule(rule);
      if (plain !== undefined) {
        const compiled = validator.compile({ $$root: true, ...plain }) as (value: unknown) => true | { message?: string; type: string }[];
        this.#fields.push({ segments: [...parent, name], check: compiled });
      } else if (isPlainObject(rule) && !isRuleObject(rule)) {
        this.#collect(rule as AttributesDefinition, [...parent, name]);
      }
    }
  }

  /** A copy of `data` with every plaintext password checked and hashed (the caller's object is untouched). */
  async hash(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#fields.length === 0 || !isPlainObject(data)) return data;
    let out = data;
    for (const field of this.#fields) {
      const value = valueAt(data, field.segments);
      if (value === undefined || value === null || (typeof value === 'string' && BCRYPT_HASH.test(value))) continue;
      const result = field.check(value);
      if (result !== true) {
        const path = field.segments.join('.');
        throw new ValidationError(`Invalid ${this.#resource} document: ${path}: ${result.map((e) => (e.message ?? e.type).replace("''", `'${path}'`)).join(' ')}`, [
          { field: path, message: result.map((e) => e.message ?? e.type).join(' '), type: result[0]?.type ?? 'password' },
        ]);
      }
      if (out === data) out = structuredClone(data);
      setAt(out, field.segments, await bcryptHash(value as string, this.#rounds));
    }
    return out;
  }
}

/** The rule a password's plaintext must pass: the same rule with type `string`; undefined for other types. */
function plaintextRule(rule: AttributeDefinition): Record<string, unknown> | undefined {
  if (typeof rule === 'string') {
    const [type, ...rest] = rule.split('|');
    if (type?.trim() !== 'password') return undefined;
    const parsed = (validator as unknown as { parseShortHand(r: string): Record<string, unknown> }).parseShortHand(['string', ...rest].join('|'));
    delete parsed.required;
    return parsed;
  }
  if (isRuleObject(rule) && rule.type === 'password') {
    const { required: _required, ...rest } = rule;
    return { ...rest, type: 'string' };
  }
  return undefined;
}

function valueAt(obj: Record<string, unknown>, segments: readonly string[]): unknown {
  let current: unknown = obj;
  for (const s of segments) {
    if (!isPlainObject(current)) return undefined;
    current = current[s];
  }
  return current;
}

function setAt(obj: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let current = obj;
  for (const s of segments.slice(0, -1)) current = current[s] as Record<string, unknown>;
  current[segments[segments.length - 1] as string] = value;
}
