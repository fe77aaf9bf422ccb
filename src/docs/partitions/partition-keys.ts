/**
 * Where partition references live:
 * `resource=<r>/partition=<p>/<field>=<value>/.../id=<id>`, fields in their
 * declared order, every value segment ending in `/`.
 *
 * Field names and values are escaped so that no two different values share a
 * key or a listing prefix: only `A-Z a-z 0-9 _ . -` stay as they are, every
 * other character becomes `%XX` per UTF-8 byte (`/`, `=`, `%`, `~`, spaces,
 * unicode), and a lone surrogate (which UTF-8 cannot hold) becomes `~XXXX`.
 * The escaped text never contains `/` or `=`, and the `/` after each value
 * means the prefix of `active` never lists `active_old`.
 */
import { ValidationError } from '../../core/errors.js';
import { valueAt } from '../document-codec.js';
import type { PartitionDefinition } from '../resource-types.js';
import { formatValue, parseRule, type PartitionRule } from './partition-rules.js';

const SAFE = /[A-Za-z0-9_.-]/;

/**
 * Escapes one segment of a partition key (a field name or a value): only
 * `A-Z a-z 0-9 _ . -` stay as they are, every other character becomes `%XX`
 * per UTF-8 byte, and a lone surrogate becomes `~XXXX`. No two texts share an
 * escaped form, and it never contains `/` or `=`.
 *
 * @example
 * escapePartitionSegment('São Paulo'); // 'S%C3%A3o%20Paulo'
 */
export function escapeSegment(text: string): string {
  let out = '';
  for (const char of text) {
    if (SAFE.test(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += `~${code.toString(16).padStart(4, '0')}`;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface PartitionField {
  path: string;
  segments: string[];
  rule: PartitionRule;
  /** `<escaped field name>=` */
  label: string;
}

/** One compiled partition definition. */
export class Partition {
  readonly fields: readonly PartitionField[];
  /** `resource=<r>/partition=<p>/`: every reference of this partition starts with it. */
  readonly prefix: string;

  constructor(
    readonly resource: string,
    readonly name: string,
    readonly definition: PartitionDefinition,
  ) {
    this.prefix = `resource=${resource}/partition=${name}/`;
    this.fields = Object.entries(definition.fields).map(([path, rule]) => ({
      path,
      segments: path.split('.'),
      rule: parseRule(rule, `partitions.${name}.fields.${path}`),
      label: `${escapeSegment(path)}=`,
    }));
  }

  /** The document's reference key in this partition, or undefined when a field has no value. */
  keyOf(doc: Record<string, unknown>): string | undefined {
    let key = this.prefix;
    for (const field of this.fields) {
      const text = formatValue(field.rule, valueAt(doc, field.segments));
      if (text === undefined) return undefined;
      key += `${field.label}${escapeSegment(text)}/`;
    }
    return `${key}id=${doc.id as string}`;
  }

  /**
   * The listing prefix of `values`: every field of the partition, or its first
   * fields in declared order (a partial lookup). Anything else is a ValidationError
   * saying what to pass.
   */
  prefixOf(values: unknown): string {
    const given = values === undefined ? {} : values;
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw this.#invalid(`partitionValues must be an object such as ${this.#example()}`, values);
    }
    const record = given as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      if (!this.fields.some((f) => f.path === name)) throw this.#invalid(`${JSON.stringify(name)} is not a field of partition ${this.name} (fields: ${this.#names()})`, values);
    }
    let prefix = this.prefix;
    let ended: string | undefined;
    for (const field of this.fields) {
      const value = record[field.path];
      if (value === undefined) {
        ended ??= field.path;
        continue;
      }
      if (ended !== undefined) {
        throw this.#invalid(
          `partition ${this.name} is keyed by ${this.#names()} in that order: a partial lookup gives the first fields, so ${JSON.stringify(field.path)} needs ${JSON.stringify(ended)} too`,
          values,
        );
      }
      const text = formatValue(field.rule, value);
      if (text === undefined) throw this.#invalid(`${JSON.stringify(field.path)} has no ${field.rule.type} value in ${JSON.stringify(value)}`, values);
      prefix += `${field.label}${escapeSegment(text)}/`;
    }
    return prefix;
  }

  /** Whether `prefix` names every field (its references are then in id order). */
  isComplete(prefix: string): boolean {
    return prefix.split('/').length - this.prefix.split('/').length === this.fields.length;
  }

  #names(): string {
    return this.fields.map((f) => f.path).join(', ');
  }

  #example(): string {
    return `{ ${this.fields.map((f) => `${f.path}: …`).join(', ')} }`;
  }

  #invalid(message: string, actual: unknown): ValidationError {
    return new ValidationError(`Invalid partition lookup: ${message}`, [{ field: 'partitionValues', message, actual }]);
  }
}

/** The id of a reference key (the text after the last `/id=`). */
export function idOfKey(key: string): string | undefined {
  const at = key.lastIndexOf('/id=');
  return at < 0 ? undefined : key.slice(at + 4);
}

/** Every partition of a resource, compiled. */
export class PartitionSet {
  readonly byName: ReadonlyMap<string, Partition>;

  constructor(resource: string, definitions: Record<string, PartitionDefinition>) {
    this.byName = new Map(Object.entries(definitions).map(([name, def]) => [name, new Partition(resource, name, def)]));
  }

  get size(): number {
    return this.byName.size;
  }

  /** The partition named `name`, or a ValidationError listing the defined ones. */
  get(name: unknown): Partition {
    const partition = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (partition) return partition;
    const known = [...this.byName.keys()];
    const message = known.length === 0 ? 'this resource defines no partitions' : `defined partitions: ${known.join(', ')}`;
    throw new ValidationError(`Unknown partition ${JSON.stringify(name)}: ${message}`, [{ field: 'partition', message, actual: name }]);
  }

  /** The document's reference keys (one per partition whose fields it has). */
  keysOf(doc: Record<string, unknown> | null): string[] {
    if (!doc) return [];
    const keys: string[] = [];
    for (const partition of this.byName.values()) {
      const key = partition.keyOf(doc);
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }

  /** The partition a reference key belongs to. */
  partitionOfKey(key: string): Partition | undefined {
    for (const partition of this.byName.values()) if (key.startsWith(partition.prefix)) return partition;
    return undefined;
  }
}
