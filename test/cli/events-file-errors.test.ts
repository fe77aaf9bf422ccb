import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulkOperations, initQueue, NotFoundError, ValidationError } from '../../src/index.js';
import { runCli, STACK_LINE } from './run-cli.js';

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-files-'));
  file = join(dir, 'events.sqlite');
  const queue = initQueue({ dbName: file });
  queue.store({ cmd: 'hello', data: {} });
  queue.close();
  mkdirSync(join(dir, 'folder'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('missing files and directories give typed errors that say so', () => {
  it('the CLI: events <directory> stats, export into a missing folder or a directory, import of a missing file or a directory', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['events', join(dir, 'folder'), 'stats'], 2, /\[VALIDATION\].*folder is a directory, not an event store file/],
      [['events', file, 'export', join(dir, 'no-such-folder', 'out.jsonl')], 3, /\[NOT_FOUND\].*its folder does not exist/],
      [['events', file, 'export', join(dir, 'folder')], 2, /\[VALIDATION\].*folder is a directory: give the path of a file to write/],
      [['events', file, 'import', join(dir, 'missing.jsonl')], 3, /\[NOT_FOUND\].*missing\.jsonl/],
      [['events', file, 'import', join(dir, 'folder')], 2, /\[VALIDATION\].*folder is a directory: give the path of a JSONL file to read/],
    ];
    for (const [args, status, message] of cases) {
      const result = runCli(args);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(/ENOENT|EISDIR|disk .* failed or is full/);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.status, args.join(' ')).toBe(status);
    }
    expect(readdirSync(join(dir, 'folder'))).toEqual([]);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  }, 120_000); // five CLI processes one after another

  it('the library: BulkOperations export/import and initQueue on a directory', async () => {
    const queue = initQueue({ dbName: file });
    try {
      const bulk = new BulkOperations(queue);
      await expect(bulk.importFromJSONL(join(dir, 'missing.jsonl'))).rejects.toThrow(NotFoundError);
      await expect(bulk.importFromJSONL(join(dir, 'folder'))).rejects.toThrow(/folder is a directory/);
      await expect(bulk.importFromJSONL(join(dir, 'folder'))).rejects.toBeInstanceOf(ValidationError);
      await expect(bulk.exportToJSONL(join(dir, 'no-such-folder', 'x.jsonl'))).rejects.toThrow(/its folder does not exist/);
      await expect(bulk.exportToJSONL(join(dir, 'folder'))).rejects.toBeInstanceOf(ValidationError);
    } finally {
      queue.close();
    }
    expect(() => initQueue({ dbName: join(dir, 'folder') })).toThrow(ValidationError);
  });
});
