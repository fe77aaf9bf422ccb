// Shared by the examples: a temporary directory removed when the process exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `s3lite-example-${name}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
