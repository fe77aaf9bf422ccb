import { describe } from 'vitest';
import { BACKENDS } from './backends.js';
import { defineConformanceSuite } from './conformance.js';

for (const backend of BACKENDS) {
  const skip = backend.skipReason?.();
  if (skip !== undefined) console.info(`[conformance] skipped the ${backend.name} row: ${skip}`);
  describe.skipIf(skip !== undefined)(`ObjectStore conformance on ${backend.name}`, () => defineConformanceSuite(backend));
}
