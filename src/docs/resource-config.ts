/**
 * Validation of resource configurations, up front: a bad definition fails at
 * createResource with a message naming the option, never at first write.
 */
import { createHash } from 'node:crypto';
import { assertKnownOptions, invalidOption } from '../core/options.js';
import { BEHAVIORS } from './behaviors.js';
import { compileIdRule } from './id-rule.js';
import { HOOKED_METHODS } from './resource-types.js';
import { BEHAVIOUR_OPTION_NAMES, resolveBehaviourOptions, withOptionalNestedObjects, type ResourceBehaviourOptions } from './resource-options.js';
import { isPlainObject } from './codec.js';
import { assertResourceName, DEFAULT_ID_SIZE } from './document-keys.js';
import { attributePaths, type AttributesDefinition } from './schema.js';
import { DEFAULT_QUEUE_OPTIONS, type PartitionQueueOptions } from './partitions/partition-queue.js';
import { parseRule } from './partitions/partition-rules.js';
import type { Hook, HookName, PartitionDefinition, ResourceConfig, StoredDefinition } from './resource-types.js';

const HOOK_NAMES: readonly HookName[] = HOOKED_METHODS.flatMap((m) => [`before${m}`, `after${m}`] as HookName[]);
const KNOWN_OPTIONS = new Set<string>([
  'name', 'attributes', 'behavior', 'timestamps', 'partitions', 'asyncPartitions', 'idGenerator', 'idSize', 'hooks', 'updateAttempts', 'partitionQueue',
  ...BEHAVIOUR_OPTION_NAMES,
]);

export interface ResolvedConfig {
  name: string;
  definition: StoredDefinition;
  /** Hash of the definition: equal hashes mean the same schema version. */
  hash: string;
  idGenerator: (() => string) | undefined;
  hooks: Record<HookName, Hook[]>;
  updateAttempts: number;
  partitionQueue: PartitionQueueOptions;
  /** s3db.js's documented options (paranoid, asyncEvents, events, …); not stored in the catalogue. */
  options: ResourceBehaviourOptions;
}

export function resolveConfig(config: ResourceConfig): ResolvedConfig {
  if (!isPlainObject(config)) throw invalidOption('config', 'an object with at least `name` and `attributes`', config);
  assertKnownOptions('createResource', config, [...KNOWN_OPTIONS]);
  assertResourceName(config.name);
  if (!isPlainObject(config.attributes)) throw invalidOption('attributes', 'an object of attribute rules', config.attributes);
  const behavior = config.behavior ?? 'user-managed';
  if (!BEHAVIORS.includes(behavior)) throw invalidOption('behavior', `one of ${BEHAVIORS.join(', ')}`, behavior);
  const timestamps = optionalBoolean('timestamps', config.timestamps, false);
  const asyncPartitions = optionalBoolean('asyncPartitions', config.asyncPartitions, true);
  const idSize = config.idSize ?? DEFAULT_ID_SIZE;
  if (!Number.isInteger(idSize) || idSize < 8 || idSize > 128) throw invalidOption('idSize', 'an integer from 8 to 128', idSize);
  const updateAttempts = config.updateAttempts ?? 32;
  if (!Number.isInteger(updateAttempts) || updateAttempts < 1) throw invalidOption('updateAttempts', 'an integer from 1 and up', updateAttempts);

  const options = resolveBehaviourOptions(config as unknown as Record<string, unknown>);
  const attributes: AttributesDefinition = options.allNestedObjectsOptional ? withOptionalNestedObjects(config.attributes) : { ...config.attributes };
  if (timestamps) {
    attributes.createdAt ??= 'string|optional';
    attributes.updatedAt ??= 'string|optional';
  }
  compileIdRule(config.name, attributes);
  const paths = new Set(attributePaths(attributes).map((f) => f.path));
  const partitions = resolvePartitions(timestamps ? withTimestampPartitions(config.partitions) : config.partitions, paths);

  const definition: StoredDefinition = { attributes, behavior, timestamps, partitions, asyncPartitions, idSize };
  return {
    name: config.name,
    definition,
    hash: definitionHash(definition),
    idGenerator: typeof config.idGenerator === 'function' ? (config.idGenerator as () => string) : undefined,
    hooks: resolveHooks(config.hooks),
    updateAttempts,
    partitionQueue: resolvePartitionQueue(config.partitionQueue),
    options,
  };
}

export function definitionHash(definition: StoredDefinition): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('base64url').slice(0, 16);
}

/** `timestamps: true` brings the byCreatedDate / byUpdatedDate partitions s3db.js's README promises (unless defined already). */
function withTimestampPartitions(partitions: unknown): unknown {
  if (partitions !== undefined && !isPlainObject(partitions)) return partitions;
  return {
    byCreatedDate: { fields: { createdAt: 'date|maxlength:10' } },
    byUpdatedDate: { fields: { updatedAt: 'date|maxlength:10' } },
    ...(partitions ?? {}),
  };
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value);
  return value;
}

function resolvePartitions(partitions: unknown, paths: ReadonlySet<string>): Record<string, PartitionDefinition> {
  if (partitions === undefined) return {};
  if (!isPlainObject(partitions)) throw invalidOption('partitions', 'an object of { fields: { field: rule } } definitions', partitions);
  const out: Record<string, PartitionDefinition> = {};
  for (const [name, def] of Object.entries(partitions)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw invalidOption(`partitions`, 'partition names of letters, digits, `_` or `-`', name);
    if (!isPlainObject(def) || !isPlainObject(def.fields) || Object.keys(def.fields).length === 0) {
      throw invalidOption(`partitions.${name}`, 'an object { fields: { <attribute>: <rule> } } with at least one field', def);
    }
    for (const [field, rule] of Object.entries(def.fields)) {
      if (!paths.has(field)) throw invalidOption(`partitions.${name}.fields`, `attributes of the resource (${[...paths].join(', ')})`, field);
      parseRule(rule, `partitions.${name}.fields.${field}`);
    }
    out[name] = { fields: { ...(def.fields as Record<string, string>) } };
  }
  return out;
}

function resolvePartitionQueue(options: unknown): PartitionQueueOptions {
  if (options === undefined) return { ...DEFAULT_QUEUE_OPTIONS };
  if (!isPlainObject(options)) throw invalidOption('partitionQueue', 'an object { retries, retryDelay, concurrency, recoveryGrace }', options);
  const out: PartitionQueueOptions = { ...DEFAULT_QUEUE_OPTIONS };
  for (const [key, value] of Object.entries(options)) {
    if (key === 'retries') {
      if (!Number.isInteger(value) || (value as number) < 0) throw invalidOption('partitionQueue.retries', 'an integer from 0 and up', value);
      out.retries = value as number;
    } else if (key === 'retryDelay') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidOption('partitionQueue.retryDelay', 'a number of milliseconds from 0 and up', value);
      out.retryDelay = value;
    } else if (key === 'concurrency') {
      if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) throw invalidOption('partitionQueue.concurrency', 'an integer from 1 and up', value);
      out.concurrency = value as number | undefined;
    } else if (key === 'recoveryGrace') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidOption('partitionQueue.recoveryGrace', 'a number of milliseconds from 0 and up', value);
      out.recoveryGrace = value;
    } else throw invalidOption('partitionQueue', 'only retries, retryDelay, concurrency and recoveryGrace', key);
  }
  return out;
}

function resolveHooks(hooks: ResourceConfig['hooks']): Record<HookName, Hook[]> {
  const out = Object.fromEntries(HOOK_NAMES.map((n) => [n, [] as Hook[]])) as Record<HookName, Hook[]>;
  if (hooks === undefined) return out;
  if (!isPlainObject(hooks)) throw invalidOption('hooks', 'an object of hook functions by name', hooks);
  for (const [name, value] of Object.entries(hooks)) {
    if (!HOOK_NAMES.includes(name as HookName)) throw invalidOption('hooks', `hook names (${HOOK_NAMES.join(', ')})`, name);
    const list = Array.isArray(value) ? value : [value];
    for (const fn of list) if (typeof fn !== 'function') throw invalidOption(`hooks.${name}`, 'a function or a list of functions', fn);
    out[name as HookName] = [...(list as Hook[])];
  }
  return out;
}

export { HOOK_NAMES };
