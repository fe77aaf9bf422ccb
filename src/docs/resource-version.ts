/**
 * What a resource reads from its catalogue entry: the schema version of new
 * writes, the stable mapping, the plugin attributes, and the fields that left
 * the schema (older versions, removed plugin attributes) so old documents stay readable.
 */
import type { AttributeMapping } from './attribute-mapping.js';
import type { CatalogueResource, PluginAttributeRecords } from './catalogue.js';
import { effectiveAttributes, everyDefinition } from './plugin-attributes.js';
import { attributePaths, type AttributesDefinition, type FieldSpec } from './schema.js';

/** The schema state a resource works with, read from its catalogue entry. */
export interface ResourceVersion {
  /** Schema version of new writes (base 36). */
  version: string;
  /** Attribute path → short metadata key; stable across versions (a key, once given, is never reused). */
  mapping: AttributeMapping;
  /** Fields of older versions that left the schema, by metadata key, so old documents stay readable. */
  legacyFields: ReadonlyMap<string, FieldSpec>;
  /** Fields plugins added (resource.addPluginAttribute), live and removed. */
  pluginAttributes?: PluginAttributeRecords;
}

export function resourceVersion(attributes: AttributesDefinition, entry: CatalogueResource): ResourceVersion {
  const current = new Set(attributePaths(effectiveAttributes(attributes, entry.pluginAttributes)).map((p) => p.path));
  const legacyFields = new Map<string, FieldSpec>();
  for (const definition of everyDefinition(entry)) {
    for (const field of attributePaths(definition)) {
      const key = entry.mapping[field.path];
      if (current.has(field.path) || key === undefined) continue;
      legacyFields.set(key, { ...field, key });
    }
  }
  return { version: entry.currentVersion, mapping: entry.mapping, legacyFields, ...(entry.pluginAttributes ? { pluginAttributes: entry.pluginAttributes } : {}) };
}
