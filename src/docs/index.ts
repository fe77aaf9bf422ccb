// Public API of the docs layer; src/index.ts re-exports this file.
export {};
