/**
 * What a user sees of the package: `@internal` members (public only so that
 * other modules of ours can call them) are stripped from the published
 * declarations, and helpers a user never needs are not exported from the root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

function sources(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** Members whose doc comment says `@internal`, per file: the name declared right after the comment. */
function internalMembers(): Array<{ file: string; names: string[] }> {
  const found: Array<{ file: string; names: string[] }> = [];
  for (const file of sources('src')) {
    const text = readFileSync(file, 'utf8');
    const names = [...text.matchAll(/\/\*\*(?:(?!\*\/)[\s\S])*@internal[\s\S]*?\*\/\s*(?:(?:static|readonly|async|get|set)\s+)*([A-Za-z_$][\w$]*)/g)].map((m) => m[1] as string);
    if (names.length > 0) found.push({ file, names });
  }
  return found;
}

describe('the published declarations', () => {
  it('tsconfig.build.json strips @internal members, and the members marked so are gone from the .d.ts', () => {
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: ts.CompilerOptions };
    expect(build.compilerOptions.stripInternal).toBe(true);
    const marked = internalMembers();
    expect(marked.map((m) => m.names).flat()).toEqual(expect.arrayContaining(['adoptRuntimeOptions', 'linkEventQueue']));
    for (const { file, names } of marked) {
      const { outputText } = ts.transpileDeclaration(readFileSync(file, 'utf8'), { fileName: file, compilerOptions: { ...build.compilerOptions, declaration: true } });
      expect(outputText.length, file).toBeGreaterThan(0);
      for (const name of names) expect(outputText, `${file}: ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });
});

describe('the package root', () => {
  it('exports what the README and the originals document, not internal helpers', () => {
    for (const name of ['S3db', 'initQueue', 'modelSetup', 'eventCallbacks', 'openQueue', 'BackgroundJobQueue', 'ExecutorPool', 'Memoizer', 'encrypt', 'decrypt', 'idGenerator', 'verifyPassword', 'hashPassword', 'upcast']) {
      expect(root, name).toHaveProperty(name);
    }
    for (const name of ['rowToEvent', 'eventToRow', 'EVENT_COLUMNS', 'upcastRow', 'resolveHashOptions', 'encodeValue', 'decodeValue', 'SYSTEM_KEYS', 'DocumentKeys', 'DEFAULT_CONTENT_TYPE', 'httpStatusOf', 'assertKnownOptions', 'invalidOption']) {
      expect(root, name).not.toHaveProperty(name);
    }
  });
});
