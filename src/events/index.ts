// Public API of the events layer; src/index.ts re-exports this file.
export {};
