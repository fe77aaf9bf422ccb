/** Reads JSON arguments and JSONL files for the data commands, naming the line of any bad input. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from './exit-codes.js';

/** Parses a JSON argument (`-` reads it from stdin). */
export async function readJsonArgument(text: string, what: string): Promise<unknown> {
  const source = text === '-' ? await readStdin() : text;
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON (${(error as Error).message}). Quote it for the shell, e.g. '{"name":"Ann"}'`);
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

/** Yields `[lineNumber, value]` for each non-empty line of a JSONL file (`-`: stdin). */
export async function* readJsonLines(path: string): AsyncGenerator<[number, unknown]> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield [n, JSON.parse(line) as unknown];
    } catch (error) {
      throw new UsageError(`${path}:${n}: not valid JSON (${(error as Error).message})`);
    }
  }
}

/** Number of lines of a file (for progress totals). */
export async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) if (buf[i] === 10) count++;
  }
  return count;
}
