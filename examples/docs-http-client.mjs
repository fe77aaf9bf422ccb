// Seed: "HTTP Client Tuning": maxSockets must match (or exceed) the executor pool's concurrency.
import { resolveHttpClientOptions } from 's3lite';

const warnings = [];
const logger = { warn: (message) => warnings.push(message) };

// What new S3db({ connectionString: 's3://…', executorPool: { concurrency: 200 }, httpClientOptions }) gives the HTTP agent:
const matched = resolveHttpClientOptions({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: 200, maxFreeSockets: 50, timeout: 60000 }, 200, logger);
console.log('matched agent:', matched);

// Without maxSockets it defaults to the concurrency:
console.log('default agent for concurrency 200:', resolveHttpClientOptions({}, 200, logger));

// A lower explicit value works but warns, as the checklist says:
resolveHttpClientOptions({ maxSockets: 50 }, 200, logger);
console.log('warning:', warnings[0]);
