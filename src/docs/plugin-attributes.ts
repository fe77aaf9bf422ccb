/**
 * Plugin attributes (s3db.js's `resource.addPluginAttribute`): fields a plugin
 * adds to a resource's schema. They are recorded in the catalogue entry of the
 * resource, beside its schema versions and under the same stable mapping, so
 * every process restores them at connect and reads documents that carry them,
 * whether or not it installed the plugin. They do not change the definition's
 * hash: adding one never creates a schema version.
 *
 * A removed plugin attribute keeps its metadata key (keys are never reused)
 * and stays readable in the documents written while it existed.
 */
import { ConfigurationError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import { extendMapping } from './attribute-mapping.js';
import type { CatalogueResource, PluginAttributeRecords } from './catalogue.js';
import { attributePaths, type AttributeDefinition, type AttributesDefinition } from './schema.js';

/** The attributes a resource validates and writes: its definition plus the live plugin attributes (the definition wins a name clash). */
export function effectiveAttributes(attributes: AttributesDefinition, records: PluginAttributeRecords | undefined): AttributesDefinition {
  if (!records) return attributes;
  const live = Object.entries(records).filter(([name, r]) => r.removedAt === undefined && !Object.hasOwn(attributes, name));
  if (live.length === 0) return attributes;
  return { ...attributes, ...Object.fromEntries(live.map(([name, r]) => [name, r.rule])) };
}

/**
 * Checks an addPluginAttribute call against the resource's definition and the
 * plugin attributes it has; throws what was wrong. Returns true when the
 * attribute is already recorded as given (nothing to write).
 */
export function checkPluginAttribute(
  resource: string,
  definition: AttributesDefinition,
  records: PluginAttributeRecords | undefined,
  name: unknown,
  rule: unknown,
  plugin: unknown,
): boolean {
  if (typeof plugin !== 'string' || plugin.length === 0) throw invalidOption('pluginName', 'the name of the plugin adding the attribute (a non-empty string)', plugin);
  if (typeof name !== 'string') throw invalidOption('name', 'an attribute name (a string)', name);
  if (name === 'id') throw new ConfigurationError(`Plugin ${plugin} cannot add \`id\` to ${resource}: it is the document id`);
  if (Object.hasOwn(definition, name)) {
    throw new ConfigurationError(`Attribute \`${name}\` of ${resource} already exists and is not from plugin ${plugin}: choose another name (plugins usually prefix theirs with \`_\`)`);
  }
  const existing = records?.[name];
  if (existing && existing.removedAt === undefined && existing.plugin !== plugin) {
    throw new ConfigurationError(`Attribute \`${name}\` of ${resource} belongs to plugin ${existing.plugin}, not ${plugin}`);
  }
  // Validates the name and the rule's shape; the compiled schema checks the rule itself.
  const fields = attributePaths({ [name]: rule as AttributeDefinition });
  if (fields.some((f) => f.secret || f.password)) {
    throw new ConfigurationError(`Plugin attribute \`${name}\` of ${resource} cannot be \`secret\` or \`password\`: declare such fields in the resource's attributes`);
  }
  return existing !== undefined && existing.removedAt === undefined && JSON.stringify(existing.rule) === JSON.stringify(rule);
}

/** The catalogue entry with the attribute recorded (mapping extended); undefined when it is already there as given. */
export function withPluginAttribute(entry: CatalogueResource, name: string, rule: AttributeDefinition, plugin: string): CatalogueResource | undefined {
  const current = entry.pluginAttributes?.[name];
  if (current && current.removedAt === undefined && current.plugin === plugin && JSON.stringify(current.rule) === JSON.stringify(rule)) return undefined;
  const paths = attributePaths({ [name]: rule }).map((f) => f.path);
  return {
    ...entry,
    mapping: extendMapping(entry.mapping, paths),
    pluginAttributes: { ...entry.pluginAttributes, [name]: { rule, plugin } },
  };
}

/**
 * The catalogue entry with the attribute marked removed; undefined when there
 * is no live plugin attribute of that name. Throws when it belongs to another plugin.
 */
export function withoutPluginAttribute(resource: string, entry: CatalogueResource, name: string, plugin: string | null): CatalogueResource | undefined {
  const current = entry.pluginAttributes?.[name];
  if (!current || current.removedAt !== undefined) return undefined;
  if (plugin !== null && current.plugin !== plugin) throw new ConfigurationError(`Attribute \`${name}\` of ${resource} belongs to plugin ${current.plugin}, not ${plugin}`);
  return { ...entry, pluginAttributes: { ...entry.pluginAttributes, [name]: { ...current, removedAt: new Date().toISOString() } } };
}

/** Every attribute definition that ever wrote documents of the resource: schema versions and plugin attributes, live or removed. */
export function everyDefinition(entry: CatalogueResource): AttributesDefinition[] {
  const out = Object.values(entry.versions).map((v) => v.definition.attributes);
  for (const [name, record] of Object.entries(entry.pluginAttributes ?? {})) out.push({ [name]: record.rule });
  return out;
}
