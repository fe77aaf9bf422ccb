/**
 * `s3lite events <file|url> jobs` on both backends, through the built CLI:
 * counts per status and per job name, oldest pending and next due, --json,
 * and exit code 3 for a missing file or a database without a job table.
 */
import { describe, expect, it } from 'vitest';
import { openJobQueue, openQueue } from '../../src/index.js';
import { BACKENDS } from '../events/backends/backends.js';
import { runCliAsync } from './run-cli.js';

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const backend of BACKENDS) {
  const available = await backend.available();

  describe.skipIf(!available)(`s3lite events <target> jobs on ${backend.name}`, () => {
    it('prints counts per status and per job name, the oldest pending job and the next due', { timeout: 120_000 }, async () => {
      const { connectionString, cleanup } = await backend.fresh();
      const jobs = await openJobQueue({ connectionString, pollInterval: 20 });
      try {
        const before = Date.now();
        await jobs.add('ship', { n: 1 });
        await jobs.add('ship', { n: 2 }, { delay: 3_600_000 });
        await jobs.cancelJob(await jobs.add('ship', { n: 3 }));
        await jobs.add('mail', { ok: true });
        await jobs.add('mail', { ok: false });
        await jobs.scheduleRecurringJob('report', {}, { every: 3_600_000 });
        jobs.registerWorker('mail', async ({ ok }: { ok: boolean }) => {
          if (!ok) throw new Error('bounced');
        }, { retryAttempts: 0 });
        jobs.start();
        await until(async () => {
          const stats = await jobs.getQueueStats();
          return stats.completed === 1 && stats.failed === 1;
        }, 'the mail jobs to settle');
        await jobs.stop();

        const json = await runCliAsync(['events', connectionString, 'jobs', '--json']);
        expect(json.stderr).toBe('');
        expect(json.status).toBe(0);
        const overview = JSON.parse(json.stdout);
        expect(overview).toMatchObject({ pending: 2, delayed: 1, running: 0, completed: 1, failed: 1, cancelled: 1, total: 5, recurring: 1 });
        expect(overview.byName).toEqual([
          expect.objectContaining({ name: 'mail', pending: 0, completed: 1, failed: 1, total: 2, oldestPendingAt: null, nextDueAt: null }),
          expect.objectContaining({ name: 'ship', pending: 2, delayed: 1, cancelled: 1, total: 3 }),
        ]);
        const ship = overview.byName[1];
        expect(ship.oldestPendingAt).toBeGreaterThanOrEqual(before);
        expect(ship.nextDueAt).toBe(ship.oldestPendingAt); // the first one is due at once
        expect(overview.target).not.toMatch(/password/);
        // The same counts as the queue's own getQueueStats().
        const { pending, delayed, completed, failed, cancelled, total, recurring } = await jobs.getQueueStats();
        expect(overview).toMatchObject({ pending, delayed, completed, failed, cancelled, total, recurring });

        const text = await runCliAsync(['events', 'jobs', connectionString]); // action-first order too
        expect(text.status).toBe(0);
        expect(text.stdout).toMatch(/\| ship\s+\| 2\s+\| 1\s+\| 0\s+\| 0\s+\| 0\s+\| 1\s+\| \d+s ago\s+\| now\s+\|/);
        expect(text.stdout).toMatch(/\| mail\s+\| 0\s+\| 0\s+\| 0\s+\| 1\s+\| 1\s+\| 0\s+\| -\s+\| -\s+\|/);
        expect(text.stdout).toMatch(/\| \(all\)\s+\| 2\s+\| 1\s+\| 0\s+\| 1\s+\| 1\s+\| 1\s+\|/);
        expect(text.stdout).toMatch(/1 recurring schedule;/);
      } finally {
        await jobs.close({ drain: false });
        await cleanup();
      }
    });

    it('exits 3 (NOT_FOUND) for a database without a job table, and writes nothing to it', { timeout: 60_000 }, async () => {
      const { connectionString, cleanup } = await backend.fresh();
      const events = await openQueue({ connectionString });
      try {
        await events.store({ cmd: 'noted' });
        const result = await runCliAsync(['events', connectionString, 'jobs']);
        expect(result.status).toBe(3);
        expect(result.stderr).toMatch(/NOT_FOUND.*has no job table \(s3lite_jobs\)/);
        expect(result.stdout).toBe('');
        // Still none: the command created no table.
        expect((await runCliAsync(['events', connectionString, 'jobs', '--json'])).status).toBe(3);
      } finally {
        await events.close();
        await cleanup();
      }
    });
  });
}

describe('s3lite events <file> jobs', () => {
  it('exits 3 for a file that does not exist', async () => {
    const result = await runCliAsync(['events', '/nonexistent/s3lite/jobs.sqlite', 'jobs']);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/No database file at \/nonexistent\/s3lite\/jobs\.sqlite/);
  });
});
