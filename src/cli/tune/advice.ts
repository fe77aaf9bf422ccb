/**
 * "What to set": the first thing the tune report shows. Turns the
 * measurements into configuration a user can paste (`new S3db({...})` and
 * `initQueue({...})`), one line of why per setting, and warnings when the
 * figures cannot be trusted yet (a noisy machine, a target unlike production).
 */
import { formatSpread, isNoisy } from './spread.js';
import type { Advice, DocsFigures, EventsFigures, Spread, TuneSettings } from './tune-types.js';

const n = (v: number) => Math.round(v).toLocaleString('en-US');

export function whatToSet(settings: TuneSettings, docs: DocsFigures, events: EventsFigures): Advice {
  const { api, batch } = docs.recommendation;
  const at = (c: number) => docs.sweep.find((p) => p.concurrency === c);
  const why: string[] = [];
  const warnings: string[] = [];

  const s3db = [
    'const db = new S3db({',
    `  connectionString: ${JSON.stringify(settings.docs)},`,
    `  executorPool: { concurrency: ${api.concurrency} }, // batch jobs (imports, rebuilds): ${batch.concurrency}`,
    docs.sockets
      ? `  httpClientOptions: { keepAlive: true, maxSockets: ${api.concurrency} }, // as many sockets as requests in flight`
      : `  // on s3:// or http(s)://, also: httpClientOptions: { keepAlive: true, maxSockets: <the concurrency> }`,
    '});',
  ].join('\n');
  const apiPoint = at(api.concurrency);
  const batchPoint = at(batch.concurrency);
  why.push(`concurrency ${api.concurrency}: ${api.why}${apiPoint ? `; ${formatSpread(apiPoint.throughputSpread)} req/s over the repeats` : ''}.`);
  why.push(`concurrency ${batch.concurrency} for batch jobs: ${batch.why}${batchPoint ? `; ${formatSpread(batchPoint.throughputSpread)} req/s over the repeats` : ''}.`);
  if (docs.sockets) {
    const matched = docs.unmatched ? at(docs.unmatched.concurrency) : undefined;
    why.push(
      `maxSockets = concurrency: each request in flight holds one socket` +
        (docs.unmatched && matched
          ? `; measured here: ${docs.unmatched.maxSockets} sockets for ${docs.unmatched.concurrency} requests gave p95 ${n(docs.unmatched.p95)} ms, matched ${n(matched.p95)} ms.`
          : '.'),
    );
  }

  const hv = events.profiles.find((p) => p.profile === 'high-volume');
  const balanced = events.profiles.find((p) => p.profile === 'balanced');
  const profile = hv && balanced && balanced.perSec < hv.perSec * 0.8 ? 'high-volume' : 'balanced';
  const wal = events.journal[0];
  const rollback = events.journal[1];
  const grouped = events.writeModes[1];
  const bulk = events.writeModes[2];
  const dbName = settings.eventsTemporary ? 'data/events.sqlite' : settings.events;
  const initQueue = [
    'const queue = initQueue({',
    `  dbName: ${JSON.stringify(dbName)},`,
    `  profile: '${profile}',`,
    `  WAL: true, // the default${events.current && events.current.journalMode.toLowerCase() !== 'wal' ? `; your file uses journal_mode=${events.current.journalMode}` : ''}`,
    '});',
    `// many writers at once: await queue.storeAsync(event); imports: queue.storeBulk(events)`,
  ].join('\n');
  if (hv && balanced) {
    const cost = Math.max(0, (1 - balanced.perSec / hv.perSec) * 100).toFixed(0);
    why.push(
      profile === 'balanced'
        ? `profile 'balanced': its two extra indexes (cmd, datetime) cost ${cost}% of write speed here (${n(balanced.perSec)} vs ${n(hv.perSec)} events/s one by one) and make reads by command and time fast.`
        : `profile 'high-volume': 'balanced' indexes cost ${cost}% of write speed here (${n(balanced.perSec)} vs ${n(hv.perSec)} events/s one by one); take 'balanced' if you read by command or time.`,
    );
  }
  if (wal && rollback) why.push(`WAL: ${(wal.perSec / Math.max(1, rollback.perSec)).toFixed(1)}x the writes of the rollback journal here (${n(wal.perSec)} vs ${n(rollback.perSec)} events/s).`);
  if (hv && grouped && bulk) {
    why.push(`storeAsync() with many writers: ${n(grouped.perSec)} events/s here (one commit for many), storeBulk(): ${n(bulk.perSec)} events/s, store() one by one: ${n(hv.perSec)} events/s.`);
  }

  const noisy: string[] = [];
  const check = (label: string, spread: Spread, unit: string) => {
    if (isNoisy(spread)) noisy.push(`${label}: ${n(spread.min)} to ${n(spread.max)} ${unit}`);
  };
  for (const p of docs.sweep) check(`documents at concurrency ${p.concurrency}`, p.throughputSpread, 'req/s');
  for (const p of events.profiles) check(`store() with profile ${p.profile}`, p.spread, 'events/s');
  for (const m of events.writeModes.slice(1)) check(m.mode.split(':')[0] ?? m.mode, m.spread, 'events/s');
  if (noisy.length > 0) {
    warnings.push(
      `This machine was too busy to conclude: the same measurement differed by more than half between repeats (${noisy.slice(0, 3).join('; ')}${noisy.length > 3 ? `; and ${noisy.length - 3} more` : ''}). ` +
        `Close other work and run again${settings.quick ? ' without --quick (more repeats)' : ''}; until then the settings above are a starting point, not a measurement.`,
    );
  }
  if (!docs.sockets) {
    warnings.push(
      `Documents were measured on ${settings.docsBackend}://, with no network: the concurrency above reflects this CPU only. ` +
        `Measure your real storage with s3lite tune --docs 's3://bucket/prefix' (or your http(s):// endpoint) before relying on it.`,
    );
  }
  if (settings.eventsTemporary) {
    warnings.push('Events were measured on a temporary file: pass --events <your file> to measure on its disk and check its settings.');
  }
  return { s3db, initQueue, why, warnings };
}

/** The advice as the terminal shows it: first, before every table. */
export function renderAdvice(advice: Advice): string {
  return [
    '## What to set',
    '',
    '```js',
    advice.s3db,
    '',
    advice.initQueue,
    '```',
    '',
    'Why:',
    ...advice.why.map((w) => `- ${w}`),
    ...(advice.warnings.length > 0 ? ['', ...advice.warnings.map((w) => `Warning: ${w}`)] : []),
  ].join('\n');
}
