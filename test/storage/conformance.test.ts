import { describe } from 'vitest';
import { BACKENDS } from './backends.js';
import { defineConformanceSuite } from './conformance.js';

for (const backend of BACKENDS) {
  describe(`ObjectStore conformance on ${backend.name}`, () => defineConformanceSuite(backend));
}
