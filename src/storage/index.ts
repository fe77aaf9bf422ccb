// Public API of the storage layer; src/index.ts re-exports this file.
export {};
