/**
 * The consumer workload of `npm run bench -- work`, in plain JavaScript so the
 * Emmett peer process (bench/peers/emmett, its own node_modules) runs the very
 * same harness as the s3lite and raw-driver rows.
 *
 * An adapter says how to preload events, start a consumer and store one event;
 * every event carries a key `k` in its data (-1 for preloaded ones). Two phases:
 *  1. catch-up: `preload` events are stored, then the consumer starts from the
 *     beginning; events handled per second until it has seen them all.
 *  2. live: producers store events for `ms` (closed loop: `producers` callers,
 *     each storing its next event when the last one is acknowledged; open loop:
 *     `rate` events/s issued on a clock, whatever the acknowledgements do).
 *     Lag of an event = handler called − its store acknowledged (the producer's
 *     view of "committed"); a handler that runs before the acknowledgement
 *     reaches the producer counts as 0.
 * All times come from this process's monotonic clock.
 */

/** @param {number[]} sorted @param {number} p */
function pick(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * @param {import('./consumer-load.d.mts').ConsumerAdapter} adapter
 * @param {import('./consumer-load.d.mts').ConsumerLoad} load
 * @returns {Promise<import('./consumer-load.d.mts').ConsumerResult>}
 */
export async function measureConsumer(adapter, { preload, producers = 100, rate, ms, settleMs = 2000 }) {
  await adapter.preload(preload);
  /** @type {Map<number, number>} live key -> first handler time */
  const handledAt = new Map();
  let caughtUp = 0;
  let caughtUpAt = 0;
  let lastProgress = performance.now();
  const onEvent = (k) => {
    lastProgress = performance.now();
    if (k >= 0) {
      if (!handledAt.has(k)) handledAt.set(k, lastProgress);
    } else if (++caughtUp === preload) caughtUpAt = lastProgress;
  };
  /** Waits until `done()` or no event was handled for `settleMs`. */
  const settle = async (done) => {
    lastProgress = performance.now();
    while (!done() && performance.now() - lastProgress < settleMs) await new Promise((r) => setTimeout(r, 5));
  };

  const catchStart = performance.now();
  const stop = await adapter.start(onEvent);
  try {
    await settle(() => caughtUp >= preload);
    // From the consumer's start (included) to the last preloaded event handled.
    const catchupPerSec = (caughtUp * 1000) / ((caughtUpAt || performance.now()) - catchStart);

    const calledAt = [];
    const ackedAt = [];
    let next = 0;
    const liveStart = performance.now();
    const deadline = liveStart + ms;
    const issue = async (k, p) => {
      calledAt[k] = performance.now();
      await adapter.produce(k, p);
      ackedAt[k] = performance.now();
    };
    if (rate === undefined) {
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          // A producer yields to the event loop between events, as a request handler would.
          while (performance.now() < deadline) {
            await issue(next++, p);
            await tick();
          }
        }),
      );
    } else {
      const inFlight = [];
      while (performance.now() < deadline) {
        const due = Math.min(Math.floor(((performance.now() - liveStart) * rate) / 1000), Math.floor((ms * rate) / 1000));
        while (next < due) {
          const k = next++;
          inFlight.push(issue(k, k % producers));
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(inFlight);
    }
    const liveEnd = performance.now();
    const produced = next;
    await settle(() => handledAt.size >= produced);

    const lags = [];
    const storeMs = [];
    for (let k = 0; k < produced; k++) {
      storeMs.push(ackedAt[k] - calledAt[k]);
      const at = handledAt.get(k);
      if (at !== undefined) lags.push(Math.max(0, at - ackedAt[k]));
    }
    lags.sort((a, b) => a - b);
    storeMs.sort((a, b) => a - b);
    return {
      catchupPerSec,
      producedPerSec: (produced * 1000) / (liveEnd - liveStart),
      produced,
      missed: produced - handledAt.size,
      lagP50: pick(lags, 50),
      lagP99: pick(lags, 99),
      lagMax: lags.length > 0 ? lags[lags.length - 1] : 0,
      storeP99: pick(storeMs, 99),
    };
  } finally {
    await stop();
  }
}
