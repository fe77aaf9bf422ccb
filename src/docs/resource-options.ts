/**
 * The resource options s3db.js documents beyond the storage definition:
 * `paranoid`, `versioningEnabled`, `autoDecrypt`, `allNestedObjectsOptional`,
 * `asyncEvents`, `events`, and the descriptive `version`, `parallelism` and
 * `strictValidation`. Parsed up front like every other option, so a bad value
 * fails at createResource.
 */
import { invalidOption } from '../core/options.js';
import { isPlainObject } from './codec.js';
import type { AttributesDefinition } from './schema.js';
import { isRuleObject } from './schema-types.js';
import { parseIdGenerator, type IdPlan } from './ids/id-generator-option.js';
import { DEFAULT_ID_SIZE } from './document-keys.js';

/** A declarative listener of `events: { inserted: fn | [fn, …] }`. */
export type EventListener = (...args: unknown[]) => unknown;

export interface ResourceBehaviourOptions {
  /** Destructive whole-resource calls (`deleteAll`, `deleteAllData`) refuse unless false. @default true */
  paranoid: boolean;
  /**
   * Keep every replaced or deleted version of a document readable through `getHistory`/`getVersion`;
   * undefined follows the database's `versioningEnabled`. @default the database's (false)
   */
  versioningEnabled: boolean | undefined;
  /** Return secret fields decrypted; false returns them sealed (still decryptable with the passphrase). @default true */
  autoDecrypt: boolean;
  /** Nested objects without an explicit `$$type` may be omitted. @default false */
  allNestedObjectsOptional: boolean;
  /** Listeners run after the call without being awaited; false awaits them before the call resolves. @default true */
  asyncEvents: boolean;
  /** Listeners by event name. */
  events: Record<string, EventListener[]>;
  /** Label of the resource (s3db.js's `version`); schema versions are tracked separately. */
  versionLabel: string | undefined;
  /** Documents handled at once by bulk calls; undefined: twice the pool's concurrency. */
  parallelism: number | undefined;
  strictValidation: boolean;
  /** How new ids are made; undefined when `idGenerator` was not given (random ids of `idSize`). */
  idPlan: IdPlan | undefined;
}

export const BEHAVIOUR_OPTION_NAMES = ['paranoid', 'versioningEnabled', 'autoDecrypt', 'allNestedObjectsOptional', 'asyncEvents', 'events', 'version', 'parallelism', 'strictValidation'] as const;

export function resolveBehaviourOptions(config: Record<string, unknown>): ResourceBehaviourOptions {
  const parallelism = config.parallelism;
  if (parallelism !== undefined && (!Number.isInteger(parallelism) || (parallelism as number) < 1)) throw invalidOption('parallelism', 'an integer from 1 and up', parallelism);
  if (config.version !== undefined && typeof config.version !== 'string') throw invalidOption('version', 'a string label such as "v2"', config.version);
  return {
    paranoid: flag('paranoid', config.paranoid, true),
    versioningEnabled: config.versioningEnabled === undefined ? undefined : flag('versioningEnabled', config.versioningEnabled, false),
    autoDecrypt: flag('autoDecrypt', config.autoDecrypt, true),
    allNestedObjectsOptional: flag('allNestedObjectsOptional', config.allNestedObjectsOptional, false),
    asyncEvents: flag('asyncEvents', config.asyncEvents, true),
    events: resolveEvents(config.events),
    versionLabel: config.version as string | undefined,
    parallelism: parallelism as number | undefined,
    strictValidation: flag('strictValidation', config.strictValidation, true),
    idPlan: config.idGenerator === undefined ? undefined : parseIdGenerator(config.idGenerator, (config.idSize as number | undefined) ?? DEFAULT_ID_SIZE),
  };
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value);
  return value;
}

function resolveEvents(events: unknown): Record<string, EventListener[]> {
  const out: Record<string, EventListener[]> = Object.create(null) as Record<string, EventListener[]>;
  if (events === undefined) return out;
  if (!isPlainObject(events)) throw invalidOption('events', 'an object of listeners by event name', events);
  for (const [name, value] of Object.entries(events)) {
    const list = Array.isArray(value) ? value : [value];
    for (const fn of list) if (typeof fn !== 'function') throw invalidOption(`events.${name}`, 'a function or a list of functions', fn);
    out[name] = [...(list as EventListener[])];
  }
  return out;
}

/**
 * With `allNestedObjectsOptional`, every nested object without its own
 * `$$type` gets `$$type: 'object|optional'`, in the stored definition itself
 * (so a reopened database validates the same way).
 */
export function withOptionalNestedObjects(attributes: AttributesDefinition): AttributesDefinition {
  const out: AttributesDefinition = {};
  for (const [name, rule] of Object.entries(attributes)) {
    if (typeof rule === 'string' || !isPlainObject(rule) || isRuleObject(rule)) {
      out[name] = rule;
      continue;
    }
    const nested = withOptionalNestedObjects(rule as AttributesDefinition);
    out[name] = rule.$$type === undefined ? { $$type: 'object|optional', ...nested } : nested;
  }
  return out;
}
