/**
 * Several machines' worth of load: 4 OS processes × 25 concurrent producers
 * appending to shared streams with expectedVersion. No acknowledged write is
 * lost, no (stream, version) is duplicated or skipped, and the only errors are
 * typed conflicts — also when one process is killed with SIGKILL mid-run.
 * Runs the built package (npm run build first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openQueue, type EventRow } from '../../../src/events/index.js';
import { BACKENDS, freshQueue } from './backends.js';

const producerScript = fileURLToPath(new URL('./fixtures/producer.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../../dist/index.js', import.meta.url)));

interface Line {
  ack?: boolean;
  conflict?: boolean;
  unexpected?: boolean;
  done?: boolean;
  stream?: string;
  data?: { proc: string; p: number; i: number };
  code?: string;
  message?: string;
}

function startProducer(connectionString: string, name: string, producers: number, perProducer: number, streams: number): { child: ChildProcess; lines: Line[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [producerScript, connectionString, name, String(producers), String(perProducer), String(streams)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const part of parts) if (part) lines.push(JSON.parse(part) as Line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, lines, exited };
}

for (const backend of BACKENDS) {
  const available = await backend.available();

  describe.skipIf(!available || !built)(`4 processes × 25 producers on ${backend.name}`, () => {
    it('lose no acknowledged write, duplicate no stream version, and fail only with conflicts (one process killed -9)', { timeout: 300_000 }, async () => {
      const { connectionString, done } = await freshQueue(backend);
      try {
        const procs = Array.from({ length: 4 }, (_, k) => startProducer(connectionString, `p${k}`, 25, 8, 5));
        // Kill one process once it has some acknowledged writes (or has finished).
        const victim = procs[3]!;
        while (victim.lines.filter((l) => l.ack).length < 20 && victim.child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
        victim.child.kill('SIGKILL');
        const codes = await Promise.all(procs.map((p) => p.exited));
        expect(codes.slice(0, 3)).toEqual([0, 0, 0]);

        const all = procs.flatMap((p) => p.lines);
        expect(all.filter((l) => l.unexpected)).toEqual([]);
        for (const p of procs.slice(0, 3)) expect(p.lines.filter((l) => l.ack)).toHaveLength(25 * 8);
        const acks = all.filter((l) => l.ack);

        const reader = await openQueue({ connectionString });
        try {
          const rows: EventRow[] = [];
          for await (const batch of reader.streamEvents({ batchSize: 500 })) rows.push(...batch);
          const key = (d: { proc: string; p: number; i: number }) => `${d.proc}/${d.p}/${d.i}`;
          const stored = new Map(rows.map((r) => [key(r.data as { proc: string; p: number; i: number }), r]));
          // Every acknowledged write is there, on its stream.
          for (const ack of acks) expect(stored.get(key(ack.data!))?.stream).toBe(ack.stream);
          // Each write stored once; each stream numbered 1..n without gap or duplicate.
          expect(stored.size).toBe(rows.length);
          const byStream = new Map<string, number[]>();
          for (const r of rows) byStream.set(r.stream!, [...(byStream.get(r.stream!) ?? []), r.stream_version!]);
          for (const [stream, versions] of byStream) {
            expect(versions, stream).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
            expect(await reader.getStreamVersion(stream)).toBe(versions.length);
          }
          // The killed process may have committed writes it never acknowledged; no others exist.
          expect(rows.length).toBeGreaterThanOrEqual(acks.length);
          expect(rows.filter((r) => (r.data as { proc: string }).proc !== 'p3')).toHaveLength(3 * 25 * 8);
        } finally {
          await reader.close();
        }
      } finally {
        await done();
      }
    });
  });
}
