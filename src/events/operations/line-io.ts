/**
 * Line-oriented file I/O for export and import: a writer that respects
 * backpressure and resolves only once the data is on disk, and a line reader
 * for a path, `-` (stdin/stdout) or a stream.
 */
import { close as closeFd, createReadStream, createWriteStream, fsync, open } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { NotFoundError, S3liteError, StorageError, ValidationError } from '../../core/errors.js';

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

/** A file-system failure on `path` as a typed error that says which file and what to do. */
export function fileError(err: unknown, path: string, reading: boolean): Error {
  if (err instanceof S3liteError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const details = { path, errno: code };
  if (code === 'ENOENT' && reading) return new NotFoundError(`No file at ${path}: check the path.`, { cause: err, details });
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotFoundError(`Cannot write ${path}: its folder does not exist. Create it first or choose another path.`, { cause: err, details });
  if (code === 'EISDIR') return new ValidationError(`${path} is a directory: give the path of a ${reading ? 'JSONL file to read' : 'file to write'}.`, [], { cause: err, details });
  if (code === 'EACCES' || code === 'EPERM') return new StorageError(`Cannot ${reading ? 'read' : 'write'} ${path}: permission denied.`, { cause: err, details });
  return err instanceof Error ? err : new Error(String(err));
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
    const fd = await openFile(target, 'w').catch((err: unknown) => {
      throw fileError(err, target, false);
    });
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

/** A line of text and its 1-based number in the source. */
export type NumberedLine = [text: string, number: number];

/**
 * Lines of `source` with their numbers, one array per chunk read (fewer awaits
 * than one per line). Blank lines are skipped but counted; `\r\n` is accepted.
 */
export async function* readLines(source: ImportSource): AsyncGenerator<NumberedLine[]> {
  const input: Readable = source === '-' ? process.stdin : typeof source === 'string' ? createReadStream(source) : source;
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  const split = (text: string, final: boolean): NumberedLine[] => {
    const lines: NumberedLine[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1 || (final && start < text.length); end = text.indexOf('\n', start)) {
      const stop = end === -1 ? text.length : end;
      let line = text.slice(start, stop);
      start = stop + 1;
      number += 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) continue;
      lines.push([line, number]);
    }
    rest = final ? '' : text.slice(start);
    return lines;
  };
  try {
    try {
      for await (const chunk of input) {
        const lines = split(rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer)), false);
        if (lines.length > 0) yield lines;
      }
    } catch (err) {
      // A path that is missing or a directory fails on the first read.
      throw typeof source === 'string' && source !== '-' ? fileError(err, source, true) : err;
    }
    const last = split(rest + decoder.end(), true);
    if (last.length > 0) yield last;
  } finally {
    if (typeof source === 'string' && source !== '-') input.destroy();
  }
}
