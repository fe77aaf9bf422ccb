// Public API of the event operations (bulk JSONL/CSV, background jobs, event-job outbox).
export {};
