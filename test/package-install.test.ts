/**
 * The package as a newcomer installs it: `npm pack` the tarball, unpack it
 * into a fresh app's node_modules, and run an ESM program, a CommonJS program
 * and a TypeScript type check (`skipLibCheck: false`) against it.
 *
 * No registry: the tarball's declared dependencies are linked from this
 * project's node_modules (only those, so a type or module the package needs
 * but does not declare is missing here as it would be for a user).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve('.');
let app = '';

function link(name: string): void {
  const target = join(app, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
}

function run(file: string, args: string[] = []): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [file, ...args], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

// The same work in both module systems: one document on memory://, one event in SQLite.
const BODY = `
const db = new S3db({ connectionString: 'memory://bucket/app' });
await db.connect();
const users = await db.createResource({ name: 'users', attributes: { name: 'string|min:2' } });
const ann = await users.insert({ name: 'Ann' });
const read = await users.get(ann.id);
await db.disconnect();
const queue = initQueue({ dbName: 'events.sqlite' });
const stored = queue.store({ cmd: 'hello', data: { n: 1 } }, modelSetup({ dbName: 'events.sqlite', stub: true }), eventCallbacks.void);
console.log(JSON.stringify({ name: read.name, isError: new ValidationError('x') instanceof S3liteError, eventId: stored.id ?? null }));
`;

describe('the packed tarball in a fresh app', () => {
  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 's3lite-package-'));
    // npm test has built dist/ already; --ignore-scripts keeps pack from building it again.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string }>;
    mkdirSync(join(app, 'node_modules'));
    execFileSync('tar', ['-xzf', join(app, packed[0]!.filename), '-C', join(app, 'node_modules')]);
    renameSync(join(app, 'node_modules', 'package'), join(app, 'node_modules', 's3lite'));
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 's3lite', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies)) link(name);
    // What the app itself brings to type-check a Node program.
    link('typescript');
    link('@types/node');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'newcomer-app', private: true }));

    writeFileSync(join(app, 'esm.mjs'), `import { S3db, initQueue, modelSetup, eventCallbacks, ValidationError, S3liteError } from 's3lite';\n${BODY}`);
    writeFileSync(
      join(app, 'cjs.cjs'),
      `const { S3db, initQueue, modelSetup, eventCallbacks, ValidationError, S3liteError } = require('s3lite');\n(async () => {${BODY}})().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    // Types users touch: the schema'd resource, the queue and its better-sqlite3 connection.
    const typed = `
const db = new S3db({ connectionString: 'memory://bucket/app' });
const queue = initQueue({ dbName: ':memory:' });
const names: string[] = queue.db.prepare('SELECT name FROM sqlite_master').pluck().all() as string[];
const failure: S3liteError = new ValidationError('x');
export const used = [db, names, failure];
`;
    writeFileSync(join(app, 'typed.mts'), `import { S3db, initQueue, ValidationError, S3liteError } from 's3lite';\n${typed}`);
    writeFileSync(join(app, 'typed.cts'), `import { S3db, initQueue, ValidationError, S3liteError } from 's3lite';\n${typed}`);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['typed.mts', 'typed.cts'],
      }),
    );
  }, 180_000);

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('runs an ES module program (import)', () => {
    const { status, out } = run('esm.mjs');
    expect(out).toMatch(/"name":"Ann","isError":true/);
    expect(status).toBe(0);
  });

  it('runs a CommonJS program (require)', () => {
    const { status, out } = run('cjs.cjs');
    expect(out).not.toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED|ExperimentalWarning/);
    expect(out).toMatch(/"name":"Ann","isError":true/);
    expect(status).toBe(0);
  });

  it('type-checks an ESM and a CommonJS TypeScript file with skipLibCheck: false', () => {
    const { status, out } = run(join('node_modules', 'typescript', 'bin', 'tsc'), ['-p', 'tsconfig.json']);
    expect(out).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('ships the s3lite command', () => {
    const { status, out } = run(join('node_modules', 's3lite', 'dist', 'cli', 'main.js'), ['--version']);
    expect(out.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(status).toBe(0);
  });
});
