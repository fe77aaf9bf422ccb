/**
 * Many timeouts on one timer. A setTimeout + clearTimeout pair per attempt
 * costs about as much as the whole rest of a pool task, so attempts register a
 * deadline here instead. Deadlines with the same duration expire in the order
 * they were added, so each duration gets a FIFO whose head is the earliest;
 * one timer is armed for the earliest head overall.
 *
 * The timer holds the process open exactly while a deadline is pending: a task
 * hanging on a promise nothing else keeps alive must still time out, and an
 * idle pool must not keep a finished program from exiting.
 */
import { Fifo } from './fifo.js';

export interface Deadline {
  readonly at: number;
  /** Set when the attempt settles first; the entry is then dropped unseen. */
  done: boolean;
  readonly onExpire: () => void;
}

export class Deadlines {
  readonly #lanes = new Map<number, Fifo<Deadline>>();
  #timer: NodeJS.Timeout | undefined;
  #armedAt = Infinity;
  // Deadlines added and neither settled nor expired.
  #pending = 0;

  /** Calls `onExpire` after `ms` unless the returned deadline is marked done first. */
  add(ms: number, onExpire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + ms, done: false, onExpire };
    let lane = this.#lanes.get(ms);
    if (lane === undefined) {
      lane = new Fifo<Deadline>();
      this.#lanes.set(ms, lane);
    }
    lane.push(deadline);
    this.#pending++;
    if (deadline.at < this.#armedAt) this.#arm(deadline.at);
    else if (this.#pending === 1) this.#timer?.ref();
    return deadline;
  }

  /** Marks a deadline as met and drops settled heads so memory stays bounded. */
  settle(deadline: Deadline, ms: number): void {
    if (deadline.done) return;
    deadline.done = true;
    if (--this.#pending === 0) this.#timer?.unref();
    const lane = this.#lanes.get(ms);
    if (lane === undefined) return;
    while (lane.peek()?.done) lane.shift();
    // The timer stays armed when nothing is left: re-arming per attempt would cost more
    // than one idle wake-up, and with nothing pending it is unref'd so it holds nothing open.
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
    if (this.#pending === 0) this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired: Deadline[] = [];
    for (const [ms, lane] of this.#lanes) {
      for (let head = lane.peek(); head !== undefined; head = lane.peek()) {
        if (head.done) lane.shift();
        else if (head.at <= now + 1) expired.push(lane.shift() as Deadline);
        else break;
      }
      const head = lane.peek();
      if (head === undefined) this.#lanes.delete(ms);
      else next = Math.min(next, head.at);
    }
    this.#pending -= expired.length;
    if (next !== Infinity) this.#arm(next);
    for (const deadline of expired) {
      deadline.done = true;
      deadline.onExpire();
    }
  }
}
