import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventCallbacks, initQueue, modelSetup } from '../../src/index.js';

describe('an event whose cmd the model has no method for', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is stored; the model warns once per cmd through its logger, without the data, and never console.logs', () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-unknown-cmd-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const dbName = join(dir, 'events.sqlite');
      const queue = initQueue({ dbName });
      const warnings: string[] = [];
      const model = modelSetup({ dbName, logger: { warn: (m: string) => warnings.push(m) } });
      for (let i = 0; i < 3; i++) queue.store({ cmd: 'signedUp', data: { email: `person${i}@example.com` } }, model, eventCallbacks.void);
      queue.store({ cmd: 'loggedIn', data: { email: 'person0@example.com' } }, model, eventCallbacks.void);
      expect(queue.retrieveByID(4)?.cmd).toBe('loggedIn');
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/no method for `signedUp`/);
      expect(warnings.join('\n')).not.toMatch(/example\.com/);
      expect(log).not.toHaveBeenCalled();
      expect(consoleWarn).not.toHaveBeenCalled();

      // Without a logger the warning goes to console.warn (the logger's default sink), still without the data.
      const plain = modelSetup({ dbName, name: 'plain' });
      queue.store({ cmd: 'signedUp', data: { email: 'x@example.com' } }, plain, eventCallbacks.void);
      expect(log).not.toHaveBeenCalled();
      expect(consoleWarn).toHaveBeenCalledTimes(1);
      expect(String(consoleWarn.mock.calls[0]?.[0])).toMatch(/^\[s3lite\] .*signedUp/);
      expect(String(consoleWarn.mock.calls[0])).not.toMatch(/example\.com/);
      queue.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
