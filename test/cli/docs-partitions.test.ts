import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../src/index.js';
import { CLI, runCli, STACK_LINE } from './run-cli.js';

// file:// keeps the database between CLI invocations (memory:// lives and dies with one process).
let dir: string;
let cs: string;
const docs = (...args: string[]) => runCli(['docs', cs, ...args]);
const json = (...args: string[]) => {
  const result = docs(...args, '--json');
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};
const ids = (list: { id: string }[]) => list.map((d) => d.id).sort();

const ORDERS = [
  { id: 'o1', customer: 'ann', status: 'paid', day: '2024-01-01' },
  { id: 'o2', customer: 'bob', status: 'open', day: '2024-01-01' },
  { id: 'o3', customer: 'cat', status: 'paid', day: '2024-01-02' },
  { id: 'o4', customer: 'dan', status: 'paid', day: '2024-01-02' },
  { id: 'o5', customer: 'eve', status: 'closed', day: '2024-01-03' },
  { id: 'o6', customer: 'fay', status: 'open', day: '2024-01-03' },
];

/** Changes references behind the library's back, as a crash or another tool could. */
async function damage(fn: (store: ReturnType<typeof createClient>) => Promise<void>): Promise<void> {
  const store = createClient(cs, { logger: { warn: () => undefined } });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-partitions-'));
  cs = `file://${join(dir, 'db')}`;
  const definition = {
    $resource: {
      attributes: { customer: 'string', status: 'string', day: 'string' },
      partitions: { byStatus: { fields: { status: 'string' } }, byStatusDay: { fields: { status: 'string', day: 'date' } } },
      asyncPartitions: true,
    },
  };
  writeFileSync(join(dir, 'orders.jsonl'), `${[definition, ...ORDERS].map((l) => JSON.stringify(l)).join('\n')}\n`);
  const imported = runCli(['docs', cs, 'import', 'orders', join(dir, 'orders.jsonl')]);
  expect(imported.status, imported.stderr).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('s3lite docs list/count --partition P --values k=v', () => {
  it('resources shows the partitions', () => {
    expect(json('resources')).toEqual([expect.objectContaining({ name: 'orders', partitions: ['byStatus', 'byStatusDay'], asyncPartitions: true })]);
    expect(docs('resources').stdout).toMatch(/\| orders .*\| byStatus, byStatusDay \|/);
  });

  it('lists and counts the documents of one partition, by all its fields or the first ones', () => {
    expect(ids(json('list', 'orders', '--partition', 'byStatus', '--values', 'status=paid'))).toEqual(['o1', 'o3', 'o4']);
    expect(json('count', 'orders', '--partition', 'byStatus', '--values', 'status=paid')).toEqual({ resource: 'orders', partition: 'byStatus', partitionValues: { status: 'paid' }, count: 3 });
    expect(ids(json('list', 'orders', '--partition', 'byStatusDay', '--values', 'status=paid,day=2024-01-02'))).toEqual(['o3', 'o4']);
    // Repeated --values add up; the first field alone is a partial lookup.
    expect(ids(json('list', 'orders', '--partition', 'byStatusDay', '--values', 'status=open', '--values', 'day=2024-01-03'))).toEqual(['o6']);
    expect(json('count', 'orders', '--partition', 'byStatusDay', '--values', 'status=open').count).toBe(2);
    // The whole partition, and --limit within it.
    expect(json('count', 'orders', '--partition', 'byStatus').count).toBe(6);
    expect(json('list', 'orders', '--partition', 'byStatus', '--values', 'status=paid', '--limit', '2')).toHaveLength(2);
    const table = docs('list', 'orders', '--partition', 'byStatus', '--values', 'status=open').stdout;
    expect(table).toContain('orders in partition byStatus (status=open) (2)');
    expect(docs('count', 'orders', '--partition', 'byStatus', '--values', 'status=closed').stdout.trim()).toBe('1');
  });

  it('bad lookups exit 2 with a message saying what to pass, and no stack trace', () => {
    const unknown = docs('list', 'orders', '--partition', 'byColour');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown partition "byColour": defined partitions: byStatus, byStatusDay/);
    const valuesAlone = docs('count', 'orders', '--values', 'status=paid');
    expect(valuesAlone.status).toBe(2);
    expect(valuesAlone.stderr).toMatch(/--values needs --partition/);
    const malformed = docs('list', 'orders', '--partition', 'byStatus', '--values', 'paid');
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/expected field=value pairs/);
    const notAField = docs('list', 'orders', '--partition', 'byStatus', '--values', 'colour=red');
    expect(notAField.status).toBe(2);
    expect(notAField.stderr).toMatch(/"colour" is not a field of partition byStatus/);
    const outOfOrder = docs('list', 'orders', '--partition', 'byStatusDay', '--values', 'day=2024-01-01');
    expect(outOfOrder.status).toBe(2);
    expect(outOfOrder.stderr).toMatch(/needs "status" too/);
    for (const r of [unknown, valuesAlone, malformed, notAField, outOfOrder]) expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe('s3lite docs verify-partitions / rebuild-partitions', () => {
  const missingKey = 'resource=orders/partition=byStatus/status=paid/id=o1';
  const staleKey = 'resource=orders/partition=byStatus/status=open/id=o3';

  it('verify exits 0 when every reference matches its document', () => {
    const result = json('verify-partitions', 'orders');
    expect(result).toEqual({ resource: 'orders', partitions: ['byStatus', 'byStatusDay'], checked: 6, references: 12, missing: [], stale: [], ok: true });
    expect(docs('verify-partitions', 'orders').stdout).toMatch(/checked 6 documents and 12 references in byStatus, byStatusDay: 0 missing, 0 stale/);
  });

  it('verify exits 1 and names each problem after references are deleted or planted behind its back; rebuild repairs them', async () => {
    await damage(async (store) => {
      await store.deleteObject({ key: missingKey });
      await store.putObject({ key: staleKey, body: '' });
    });

    const text = docs('verify-partitions', 'orders');
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/1 missing, 1 stale/);
    expect(text.stdout).toMatch(/\| byStatus\s+\| o1 \| resource=orders\/partition=byStatus\/status=paid\/id=o1 \|/);
    expect(text.stderr).toContain(`rebuild-partitions orders`);
    expect(text.stderr).not.toMatch(STACK_LINE);
    const verified = docs('verify-partitions', 'orders', '--json');
    expect(verified.status).toBe(1);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      checked: 6,
      ok: false,
      missing: [{ partition: 'byStatus', id: 'o1', key: missingKey }],
      stale: [{ partition: 'byStatus', id: 'o3', key: staleKey }],
    });
    // The other partition is intact.
    expect(docs('verify-partitions', 'orders', '--partition', 'byStatusDay').status).toBe(0);

    const rebuilt = docs('rebuild-partitions', 'orders', '--json');
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    // The document pass restores o1's reference before the reference pass lists them: 12 good ones and the stale one.
    expect(JSON.parse(rebuilt.stdout)).toEqual({ resource: 'orders', partitions: ['byStatus', 'byStatusDay'], requeued: 0, checked: 6, references: 13, restored: 1, removed: 1, failed: 0 });
    // Not a terminal: progress comes as plain lines on stderr, stdout stays JSON.
    expect(rebuilt.stderr).toMatch(/\[s3lite\] rebuild-partitions orders: started[\s\S]*done in [\d.]+ s/);

    expect(json('verify-partitions', 'orders')).toMatchObject({ missing: [], stale: [], ok: true });
    expect(ids(json('list', 'orders', '--partition', 'byStatus', '--values', 'status=paid'))).toEqual(['o1', 'o3', 'o4']);
  });

  it('rebuild --partition repairs only that partition', async () => {
    const otherKey = 'resource=orders/partition=byStatusDay/status=open/day=2024-01-01/id=o2';
    await damage(async (store) => {
      await store.deleteObject({ key: missingKey });
      await store.deleteObject({ key: otherKey });
    });
    const result = json('rebuild-partitions', 'orders', '--partition', 'byStatus');
    expect(result).toMatchObject({ partitions: ['byStatus'], restored: 1, removed: 0, failed: 0 });
    expect(json('verify-partitions', 'orders', '--partition', 'byStatus').ok).toBe(true);
    const rest = docs('verify-partitions', 'orders', '--json');
    expect(rest.status).toBe(1);
    expect(JSON.parse(rest.stdout).missing).toEqual([{ partition: 'byStatusDay', id: 'o2', key: otherKey }]);
    expect(docs('rebuild-partitions', 'orders').stdout).toMatch(/restored 1 missing, removed 0 stale, 0 failed/);
    expect(docs('verify-partitions', 'orders').status).toBe(0);
  });

  it('a partition read never lists a document under a stale reference, and queues its repair', async () => {
    await damage((store) => store.putObject({ key: staleKey, body: '' }).then(() => undefined));
    expect(ids(json('list', 'orders', '--partition', 'byStatus', '--values', 'status=open'))).toEqual(['o2', 'o6']);
    // The read queued the repair and the command flushed it before exiting.
    expect(docs('verify-partitions', 'orders').status).toBe(0);
  });

  const SCRIPT = existsSync('/usr/bin/script') ? '/usr/bin/script' : undefined;
  it.skipIf(!SCRIPT)('rebuild draws a progress bar when stdout is a terminal', () => {
    // util-linux `script` runs the command on a pseudo-terminal.
    const command = [process.execPath, CLI, 'docs', cs, 'rebuild-partitions', 'orders'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const result = spawnSync(SCRIPT as string, ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/rebuild-partitions orders\s+[█░]+ 100% \| 18\/18/);
    expect(result.stdout).not.toContain('[s3lite] rebuild-partitions');
    expect(result.stdout).toMatch(/restored 0 missing, removed 0 stale, 0 failed/);
  });

  it('unknown resource exits 3, unknown partition exits 2', () => {
    expect(docs('verify-partitions', 'nope').status).toBe(3);
    const bad = docs('rebuild-partitions', 'orders', '--partition', 'byColour');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown partition "byColour"/);
  });
});
