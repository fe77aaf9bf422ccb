/**
 * Line-oriented file I/O for export and import: a writer that respects
 * backpressure and resolves only once the data is on disk, and a line reader
 * for a path, `-` (stdin/stdout) or a stream.
 */
import { close as closeFd, createReadStream, createWriteStream, fsync, open } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Readable, Writable } from 'node:stream';

/** Where an export goes: a file path, `-` for stdout, or a writable stream. */
export type ExportTarget = string | Writable;
/** Where an import comes from: a file path, `-` for stdin, or a readable stream. */
export type ImportSource = string | Readable;

const CHUNK = 64 * 1024;
const openFile = promisify(open);
const syncFile = promisify(fsync);
const closeFile = promisify(closeFd);

export function describeTarget(target: ExportTarget | ImportSource): string {
  return typeof target === 'string' ? target : '(stream)';
}

/** Buffers lines into ~64 KB chunks and waits for `drain` when the stream asks to. */
export class LineWriter {
  readonly #stream: Writable;
  /** File descriptor of a file we opened (fsynced and closed by us), else null. */
  #fd: number | null;
  readonly #end: boolean;
  #buffer = '';
  #error: unknown = null;

  private constructor(stream: Writable, fd: number | null, end: boolean) {
    this.#stream = stream;
    this.#fd = fd;
    this.#end = end;
    stream.on('error', (err) => {
      this.#error ??= err;
    });
  }

  /** Opens `target`: a path is created/truncated; `-` is stdout (never ended). */
  static async open(target: ExportTarget, { end = true }: { end?: boolean } = {}): Promise<LineWriter> {
    if (target === '-') return new LineWriter(process.stdout, null, false);
    if (typeof target !== 'string') return new LineWriter(target, null, end);
    const fd = await openFile(target, 'w');
    return new LineWriter(createWriteStream('', { fd, autoClose: false }), fd, true);
  }

  /** Buffers one line; true when the buffer is full and the caller should `await flush()`. */
  push(line: string): boolean {
    this.#buffer += `${line}\n`;
    return this.#buffer.length >= CHUNK;
  }

  /** Hands the buffer to the stream, waiting for `drain` if the stream is full. */
  async flush(): Promise<void> {
    this.#throwIfFailed();
    const chunk = this.#buffer;
    this.#buffer = '';
    if (chunk === '' || this.#stream.write(chunk)) return;
    await this.#settle('drain');
  }

  /** Writes what is buffered, ends the stream (unless stdout), fsyncs and closes a file. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#end) {
      const finished = this.#settle('finish');
      this.#stream.end();
      await finished;
    } else {
      // Resolves once everything written so far has been handed to the OS.
      await new Promise<void>((resolve, reject) => this.#stream.write('', (err) => (err ? reject(err) : resolve())));
    }
    if (this.#fd !== null) {
      const fd = this.#fd;
      await syncFile(fd);
      this.#fd = null; // closed once, even if close fails: the number may be reused
      await closeFile(fd);
    }
    this.#throwIfFailed();
  }

  /** Closes a file handle after a failure, keeping the first error. */
  async abort(): Promise<void> {
    this.#stream.destroy();
    const fd = this.#fd;
    this.#fd = null;
    if (fd !== null) await closeFile(fd).catch(() => undefined);
  }

  #settle(event: 'drain' | 'finish'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#error) {
        reject(this.#error as Error);
        return;
      }
      const onEvent = () => {
        this.#stream.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.#stream.off(event, onEvent);
        reject(err);
      };
      this.#stream.once(event, onEvent);
      this.#stream.once('error', onError);
    });
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }
}

/** Lines of `source` with their 1-based numbers (blank lines are skipped but counted). */
export async function* readLines(source: ImportSource): AsyncGenerator<[line: string, number: number]> {
  const input = source === '-' ? process.stdin : typeof source === 'string' ? createReadStream(source) : source;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      yield [line, number];
    }
  } finally {
    lines.close();
    if (typeof source === 'string' && source !== '-') (input as ReturnType<typeof createReadStream>).destroy();
  }
}
