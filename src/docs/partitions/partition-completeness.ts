/**
 * Whether a partition holds a reference for every document, so that
 * `query()` may use it instead of a scan.
 *
 * A partition defined identically in every schema version of the resource
 * has been maintained by every write since the first document: complete. A
 * partition added (or changed) in a later version misses the documents
 * written before, until `rebuildPartitions()` has walked them all; a full
 * rebuild records that in a marker object,
 * `resource=<r>/partition-state=<p>` (outside the reference prefix), holding
 * the fields it was built for. Until then `query()` scans, so its results
 * never depend on references that were never written.
 */
import { NotFoundError } from '../../core/errors.js';
import type { CatalogueData } from '../catalogue.js';
import type { CallOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import type { Partition, PartitionSet } from './partition-keys.js';

/** How long a "not complete" answer is trusted before storage is asked again (another process may have rebuilt). */
const NEGATIVE_TTL_MS = 60_000;

export class PartitionCompleteness {
  readonly #host: PartitionHost;
  readonly #partitions: PartitionSet;
  readonly #catalogue: (options: CallOptions) => Promise<CatalogueData>;
  readonly #complete = new Set<string>();
  readonly #incompleteUntil = new Map<string, number>();

  constructor(host: PartitionHost, partitions: PartitionSet, catalogue: (options: CallOptions) => Promise<CatalogueData>) {
    this.#host = host;
    this.#partitions = partitions;
    this.#catalogue = catalogue;
  }

  markerKey(partition: Partition): string {
    return `resource=${this.#host.resourceName}/partition-state=${partition.name}`;
  }

  async isComplete(partition: Partition, options: CallOptions): Promise<boolean> {
    if (this.#complete.has(partition.name)) return true;
    if ((this.#incompleteUntil.get(partition.name) ?? 0) > Date.now()) return false;
    const complete = (await this.#sameInEveryVersion(partition, options)) || (await this.#rebuiltFor(partition, options));
    if (complete) this.#complete.add(partition.name);
    else this.#incompleteUntil.set(partition.name, Date.now() + NEGATIVE_TTL_MS);
    return complete;
  }

  /** Records that a full rebuild of `partition` finished: every document written before now has its reference. */
  async markRebuilt(partition: Partition, options: CallOptions): Promise<void> {
    const body = JSON.stringify({ fields: partition.definition.fields, rebuiltAt: new Date().toISOString() });
    await this.#host.run((signal) => this.#host.store.putObject({ key: this.markerKey(partition), body, contentType: 'application/json', signal }), options);
    this.#complete.add(partition.name);
    this.#incompleteUntil.delete(partition.name);
  }

  /** One catalogue read answers for every partition of the resource (the complete ones are remembered). */
  async #sameInEveryVersion(partition: Partition, options: CallOptions): Promise<boolean> {
    const entry = (await this.#catalogue(options)).resources[this.#host.resourceName];
    if (!entry) return false;
    for (const p of this.#partitions.byName.values()) {
      const wanted = JSON.stringify(p.definition.fields);
      if (Object.values(entry.versions).every((v) => JSON.stringify(v.definition.partitions?.[p.name]?.fields) === wanted)) this.#complete.add(p.name);
    }
    return this.#complete.has(partition.name);
  }

  async #rebuiltFor(partition: Partition, options: CallOptions): Promise<boolean> {
    try {
      const marker = await this.#host.run((signal) => this.#host.store.getObject({ key: this.markerKey(partition), signal }), options);
      const parsed = JSON.parse(marker.body.toString('utf8')) as { fields?: unknown };
      return JSON.stringify(parsed.fields) === JSON.stringify(partition.definition.fields);
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof SyntaxError) return false;
      throw err;
    }
  }
}
