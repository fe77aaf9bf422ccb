import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// Every ```js block of the README runs as written, as a user would paste it into a file of a fresh
// app (`import ... from 's3lite'` resolves to this package's dist/): it must exit 0 by itself, and
// again in the same directory (SQLite files from the first run still there). A block that cannot run
// here says so on the line above it: <!-- not run: reason -->.
const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');
const SKIP = /^<!-- not run: (.+) -->$/;

interface Block {
  line: number;
  lang: string;
  code: string;
  skip: string | undefined;
}

function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: code block never closed`);
    let before = i - 1;
    while (before >= 0 && (lines[before] as string).trim() === '') before--;
    const skip = SKIP.exec((lines[before] ?? '').trim())?.[1];
    out.push({ line: i + 1, lang: open[1] as string, code: lines.slice(i + 1, end).join('\n'), skip });
    i = end;
  }
  return out;
}

const all = blocks(README);
const code = all.filter((b) => ['js', 'javascript', 'mjs', 'ts', 'typescript'].includes(b.lang));

describe('README code blocks', () => {
  it('are JavaScript (runnable as written) and few are marked not run, each with its reason', () => {
    expect(code.length).toBeGreaterThan(5);
    expect(code.filter((b) => !['js', 'mjs', 'javascript'].includes(b.lang)).map((b) => b.line)).toEqual([]);
    const skipped = code.filter((b) => b.skip !== undefined);
    expect(skipped.length).toBeLessThanOrEqual(2);
  });

  for (const block of code.filter((b) => b.skip === undefined)) {
    it(`README.md:${block.line} runs twice and exits by itself`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 's3lite-readme-'));
      try {
        // A fresh app that has s3lite installed: node_modules/s3lite is this package.
        mkdirSync(join(dir, 'node_modules'));
        symlinkSync(resolve('.'), join(dir, 'node_modules', 's3lite'), 'dir');
        writeFileSync(join(dir, 'block.mjs'), `${block.code}\n`);
        for (const attempt of [1, 2]) {
          const result = await run(process.execPath, ['block.mjs'], { cwd: dir, timeout: 60_000, killSignal: 'SIGKILL' }).catch((err: NodeJS.ErrnoException & { stderr?: string; killed?: boolean }) => {
            const why = err.killed ? 'did not exit within 60 s' : `failed: ${err.stderr ?? err.message}`;
            throw new Error(`README.md:${block.line} (run ${attempt}) ${why}`);
          });
          expect(result.stderr, `README.md:${block.line} run ${attempt} wrote to stderr`).toBe('');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 150_000);
  }
});
