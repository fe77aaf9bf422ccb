// Public API of the events engine; src/index.ts re-exports this file.
export * from './operations/index.js';
