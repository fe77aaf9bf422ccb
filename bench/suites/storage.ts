/**
 * Storage bench: PutObject and HeadObject throughput against a real s3rver and
 * a real Ceph radosgw (where installed) on loopback, through our S3Store and
 * through the bare @aws-sdk/client-s3 client with the same agent settings,
 * side by side at each concurrency; on RGW also PutObject with
 * If-None-Match: * (a conditional write the server really checks); then
 * memory:// and file:// put/get ops/s.
 *
 * The servers share the machine with this process, so the absolute figures
 * measure the server; the ratio column is what matters (goal >= 95%).
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ObjectStore } from '../../src/storage/index.js';
import { startRgwServer, startS3rverServer, type BenchServer } from '../lib/servers.js';
import { opsPerSecond, type SuiteReport } from '../lib/report.js';
import { bareS3Client } from '../lib/bare-s3-client.js';

const CONCURRENCY = [1, 10, 50, 100];
const ROUNDS = 12;
const RUN_MS = 300;
const BODY = Buffer.alloc(512, 'x');
const METADATA = { id: 'doc-1', revision: '1-abc' };
const HEAD_KEYS = 100;

/** Runs `op` from `concurrency` workers for `ms`; returns completed ops per second. */
async function throughput(concurrency: number, ms: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const end = start + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await op(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (done * 1000) / (performance.now() - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function serverTables(report: SuiteReport, server: BenchServer): Promise<void> {
  try {
    const rows: (string | number)[][] = [];
    for (const concurrency of CONCURRENCY) {
      const connectionString = await server.connectionString();
      const bucket = new URL(connectionString).pathname.split('/')[1]!;
      const ours: ObjectStore = createClient(connectionString, { concurrency });
      const bare = bareS3Client(server.endpoint, concurrency, server.credentials);
      for (let i = 0; i < HEAD_KEYS; i++) await ours.putObject({ key: `head/${i}`, body: BODY, metadata: METADATA });

      const put = {
        ours: (i: number) => ours.putObject({ key: `put/ours/${i}`, body: BODY, metadata: METADATA, contentType: 'application/json' }),
        bare: (i: number) =>
          bare.send(new PutObjectCommand({ Bucket: bucket, Key: `put/bare/${i}`, Body: BODY, Metadata: METADATA, ContentType: 'application/json' })),
      };
      const head = {
        ours: (i: number) => ours.headObject({ key: `head/${i % HEAD_KEYS}` }),
        bare: (i: number) => bare.send(new HeadObjectCommand({ Bucket: bucket, Key: `head/${i % HEAD_KEYS}` })),
      };
      // Fresh keys every time (a counter per side), so If-None-Match: * always passes and the server always checks it.
      let created = 0;
      const putIfNoneMatch = {
        ours: () => ours.putObject({ key: `create/ours/${created++}`, body: BODY, metadata: METADATA, contentType: 'application/json', ifNoneMatch: '*' }),
        bare: () =>
          bare.send(
            new PutObjectCommand({ Bucket: bucket, Key: `create/bare/${created++}`, Body: BODY, Metadata: METADATA, ContentType: 'application/json', IfNoneMatch: '*' }),
          ),
      };
      // The probe (on the first conditional write) is not part of the measurement.
      if (server.conditionalWrites) await ours.putObject({ key: 'create/warm', body: BODY, ifNoneMatch: '*' });
      const operations = server.conditionalWrites
        ? ([['PutObject', put], ['PutObject If-None-Match', putIfNoneMatch], ['HeadObject', head]] as const)
        : ([['PutObject', put], ['HeadObject', head]] as const);
      for (const [name, ops] of operations) {
        await throughput(concurrency, 200, ops.ours); // warm up sockets and JIT
        await throughput(concurrency, 200, ops.bare);
        const oursRuns: number[] = [];
        const bareRuns: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate who goes first so drift in s3rver (growing data dir) hits both alike.
          if (round % 2 === 0) {
            oursRuns.push(await throughput(concurrency, RUN_MS, ops.ours));
            bareRuns.push(await throughput(concurrency, RUN_MS, ops.bare));
          } else {
            bareRuns.push(await throughput(concurrency, RUN_MS, ops.bare));
            oursRuns.push(await throughput(concurrency, RUN_MS, ops.ours));
          }
        }
        const oursOps = median(oursRuns);
        const bareOps = median(bareRuns);
        // Adjacent runs see the same server state and machine load: compare them pairwise.
        const ratio = median(oursRuns.map((ops, round) => ops / bareRuns[round]!));
        rows.push([name, concurrency, oursOps, bareOps, `${(ratio * 100).toFixed(1)}%`]);
        console.log(`  ${server.name} ${name} c=${concurrency}: ours ${oursOps.toFixed(0)}/s, bare ${bareOps.toFixed(0)}/s, paired ratio ${(ratio * 100).toFixed(1)}%`);
      }
      await ours.close();
      bare.destroy();
    }
    report.add({
      title: `S3Store vs bare @aws-sdk/client-s3 on ${server.name} (ops/s: median of alternating runs; ratio: median of paired runs)`,
      settings: {
        backend: server.description,
        agent: 'keepAlive=true, keepAliveMsecs=1000, maxSockets=maxFreeSockets=concurrency, timeout=60000',
        sdk: 'maxAttempts=1, checksums WHEN_REQUIRED',
        body: `${BODY.length} B + 2 metadata entries`,
        rounds: ROUNDS,
        runMs: RUN_MS,
      },
      columns: ['operation', 'concurrency', 'S3Store ops/s', 'bare SDK ops/s', 'S3Store / bare'],
      rows,
      notes: [`Goal: S3Store >= 95% of the bare SDK at every level. ${server.name} itself is the bottleneck; both share the machine's cores with it.`],
    });
  } finally {
    await server.stop();
  }
}

async function localTables(report: SuiteReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-file-'));
  try {
    const rows: (string | number)[][] = [];
    const body = Buffer.alloc(1024, 'x');
    for (const [name, connectionString, ms] of [
      ['memory://', `memory://bench-${process.pid}/db`, 1000],
      ['file://', `file://${dir}`, 1000],
    ] as const) {
      const store = createClient(connectionString);
      let i = 0;
      const put = await opsPerSecond(() => store.putObject({ key: `doc/${i++}`, body, metadata: METADATA }), { minMs: ms });
      const written = i;
      let j = 0;
      const get = await opsPerSecond(() => store.getObject({ key: `doc/${j++ % written}` }), { minMs: ms });
      let k = 0;
      const head = await opsPerSecond(() => store.headObject({ key: `doc/${k++ % written}` }), { minMs: ms });
      const listStart = performance.now();
      let listed = 0;
      for await (const _ of store.listAll({ prefix: 'doc/' })) listed++;
      const list = (listed * 1000) / (performance.now() - listStart);
      rows.push([name, put, get, head, list, written]);
      await store.clear();
      await store.close();
    }
    report.add({
      title: 'memory:// and file:// (one caller, sequential awaits)',
      settings: { body: '1 KiB + 2 metadata entries', concurrency: 1, fileDurability: 'fsync file + fsync dir per put' },
      columns: ['backend', 'put ops/s', 'get ops/s', 'head ops/s', 'listAll keys/s', 'objects'],
      rows,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(report: SuiteReport): Promise<void> {
  await localTables(report);
  await serverTables(report, await startS3rverServer());
  const rgw = await startRgwServer();
  if (rgw) await serverTables(report, rgw);
}
