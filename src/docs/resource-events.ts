/**
 * How a resource delivers its events, as s3db.js documents them: with
 * `asyncEvents` (the default) listeners run after the write without being
 * awaited and cannot fail it; with `asyncEvents: false` the call resolves only
 * once every listener (async ones included) has finished. `updated` carries
 * `$before` and `$after` on its payload; the previous document stays the
 * second argument.
 */
import type { EventEmitter } from 'node:events';
import type { EventListener } from './resource-options.js';

export class EventDelivery {
  readonly #emitter: EventEmitter;
  #async: boolean;
  /** Listener promises a synchronous-mode call must wait for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(emitter: EventEmitter, asyncEvents: boolean, declared: Record<string, EventListener[]>) {
    this.#emitter = emitter;
    this.#async = asyncEvents;
    for (const [name, listeners] of Object.entries(declared)) for (const fn of listeners) emitter.on(name, fn);
  }

  get asyncEvents(): boolean {
    return this.#async;
  }

  set asyncEvents(value: boolean) {
    this.#async = value;
  }

  emit(event: string, args: unknown[]): void {
    if (this.#emitter.listenerCount(event) === 0) return;
    const payload = shape(event, args);
    if (this.#async) {
      queueMicrotask(() => this.#deliver(event, payload, false));
    } else {
      this.#deliver(event, payload, true);
    }
  }

  /** Waits for the listeners of synchronous-mode events delivered so far. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #deliver(event: string, args: unknown[], track: boolean): void {
    for (const listener of this.#emitter.listeners(event) as EventListener[]) {
      let result: unknown;
      try {
        result = listener.apply(this.#emitter, args);
      } catch (err) {
        this.#fail(event, err, track);
        continue;
      }
      if (result instanceof Promise) {
        const settled: Promise<unknown> = result.catch((err: unknown) => this.#fail(event, err, track)).finally(() => this.#pending.delete(settled));
        if (track) this.#pending.add(settled);
      }
    }
  }

  #fail(event: string, err: unknown, rethrow: boolean): void {
    if (rethrow) throw err;
    // A failing asynchronous listener cannot fail a write that already happened: report it.
    if (event !== 'error' && this.#emitter.listenerCount('error') > 0) this.#emitter.emit('error', err);
    else process.emitWarning(`A listener of '${event}' failed: ${(err as Error)?.message ?? String(err)}`);
  }
}

function shape(event: string, args: unknown[]): unknown[] {
  if (event !== 'updated') return args;
  const [after, before] = args as [Record<string, unknown>, Record<string, unknown> | undefined];
  return [{ ...after, $before: before, $after: after }, before];
}
