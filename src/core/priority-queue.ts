/**
 * Waiting line of the executor pool: higher priority first, FIFO within a
 * priority, and aging so that a low-priority entry cannot wait forever.
 *
 * Entries live in one FIFO per priority. The head of each FIFO is its oldest
 * entry, so the next entry overall is the best head by effective priority
 * `priority + waited / agingMs`: O(number of distinct priorities) per pick,
 * O(1) with a single priority.
 */
import { Fifo } from './fifo.js';

export interface QueueEntry {
  readonly priority: number;
  enqueuedAt: number;
  /** Skipped when picked (lazy removal of cancelled entries). */
  cancelled: boolean;
}

export class PriorityQueue<T extends QueueEntry> {
  readonly #lanes = new Map<number, Fifo<T>>();
  readonly #agingMs: number;
  #size = 0;

  /** @param agingMs every `agingMs` of waiting raises an entry's effective priority by 1 */
  constructor(agingMs: number) {
    this.#agingMs = agingMs;
  }

  /** Entries waiting, not counting cancelled ones. */
  get size(): number {
    return this.#size;
  }

  push(entry: T): void {
    let lane = this.#lanes.get(entry.priority);
    if (lane === undefined) {
      lane = new Fifo<T>();
      this.#lanes.set(entry.priority, lane);
    }
    lane.push(entry);
    this.#size++;
  }

  /** Marks an entry as cancelled; it no longer counts and is dropped when reached. */
  cancel(entry: T): void {
    if (!entry.cancelled) {
      entry.cancelled = true;
      this.#size--;
    }
  }

  /** Removes and returns the entry that should run next. */
  shift(now: number): T | undefined {
    let best: Fifo<T> | undefined;
    let bestScore = -Infinity;
    let bestEntry: T | undefined;
    for (const [priority, lane] of this.#lanes) {
      let head = lane.peek();
      while (head !== undefined && head.cancelled) {
        lane.shift();
        head = lane.peek();
      }
      if (head === undefined) {
        this.#lanes.delete(priority);
        continue;
      }
      if (this.#lanes.size === 1) {
        best = lane;
        bestEntry = head;
        break;
      }
      const score = priority + (now - head.enqueuedAt) / this.#agingMs;
      if (score > bestScore || (score === bestScore && bestEntry !== undefined && head.enqueuedAt < bestEntry.enqueuedAt)) {
        best = lane;
        bestScore = score;
        bestEntry = head;
      }
    }
    if (best === undefined) return undefined;
    this.#size--;
    return best.shift();
  }

  /** Removes every waiting entry and returns them (for close()). */
  drainAll(): T[] {
    const all: T[] = [];
    for (const lane of this.#lanes.values()) {
      for (let e = lane.shift(); e !== undefined; e = lane.shift()) if (!e.cancelled) all.push(e);
    }
    this.#lanes.clear();
    this.#size = 0;
    return all;
  }
}
