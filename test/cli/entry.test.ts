import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCliAsync } from './run-cli.js';

describe('s3lite with no command or an unknown one', () => {
  it('no arguments prints help on stdout, exits 0 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-entry-'));
    try {
      const result = await runCliAsync([], { cwd: dir });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: s3lite/);
      expect(result.stdout).toMatch(/Commands:[\s\S]*tune[\s\S]*docs[\s\S]*events/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown command is named as one (exit 2), not taken as an argument of tune', async () => {
    const result = await runCliAsync(['nope']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'nope'/);
    expect(result.stderr).not.toMatch(/too many arguments/);
  });
});

describe('the AWS SDK notice about Node versions', () => {
  const target = 'http://key:secret@127.0.0.1:1/bucket/app'; // nothing listens: the command fails fast after building its S3 client
  const sdkWarns = Number(process.versions.node.split('.')[0]) < 22;

  it.skipIf(!sdkWarns)('the library prints it on this Node, an s3lite http command does not', async () => {
    // The library as a program uses it: the SDK's notice is the program's business, and it appears.
    const library = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { S3db } from 's3lite'; await new S3db({ connectionString: '${target}' }).connect().catch(() => {});`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(library.stderr).toMatch(/NodeVersionSupportWarning/);
    const cli = await runCliAsync(['docs', target, 'resources']);
    expect(cli.status).toBe(1);
    expect(cli.stderr).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript/);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
  }, 90_000);
  if (!sdkWarns) console.log(`skipped: the AWS SDK only warns on Node < 22 (this is ${process.version})`);
});
