import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

// `npm test` builds first; these check the package as users get it, through its `exports`.
describe('the built package', () => {
  it('resolves `import ... from "s3lite"` to dist/ with type declarations', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['.'].import).toBe('./dist/index.js');
    expect(existsSync(pkg.exports['.'].types)).toBe(true);
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('s3lite'); console.log(JSON.stringify(Object.keys(m).sort()))"],
      { encoding: 'utf8' },
    );
    const names: string[] = JSON.parse(out);
    for (const name of ['ExecutorPool', 'Cache', 'Memoizer', 'S3liteError', 'ValidationError', 'NotFoundError', 'ConflictError', 'MetadataLimitError', 'TimeoutError', 'ConnectionStringError', 'StorageError']) {
      expect(names).toContain(name);
    }
  });

  it('`s3lite check`, the self-check of the core, does real work and exits 0', () => {
    const out = execFileSync(process.execPath, ['dist/cli/main.js', 'check', '--json'], { encoding: 'utf8' });
    const result = JSON.parse(out);
    expect(result.ok).toBe(true);
    expect(result.checks.length).toBeGreaterThan(4);
  });

  it('prints errors without a stack trace and exits non-zero', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['dist/cli/main.js', 'check', '--no-such-option'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/unknown option/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
