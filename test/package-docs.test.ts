/**
 * Docs in the editor: every symbol the package root exports, and every public
 * member of an exported class or interface, carries its own doc comment (the
 * one an editor shows on hover); the main entry points have an `@example`; and
 * every optional field of an options type says its `@default`.
 *
 * One case per source area, so a gap names the area and each symbol in it.
 */
import { resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('src/index.ts');
const AREAS = ['core', 'storage', 'docs', 'events'] as const;

/** The entry points a newcomer starts from: their docs show how to call them. */
const NEEDS_EXAMPLE = [
  'S3db', 'Database', 'Resource', 'Plugin', 'CachePlugin', 'ExecutorPool', 'TasksPool', 'Memoizer',
  'createClient', 'MemoryClient', 'FileSystemClient',
  'initQueue', 'modelSetup', 'eventCallbacks', 'openQueue', 'openJobQueue', 'BackgroundJobQueue', 'EventJobProcessor',
];

interface Gap {
  area: string;
  what: string;
}

function collectGaps(): Gap[] {
  const program = ts.createProgram([ROOT], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const rootFile = program.getSourceFile(ROOT);
  const rootSymbol = rootFile && checker.getSymbolAtLocation(rootFile);
  if (!rootSymbol) throw new Error('src/index.ts did not load');

  const areaOf = (node: ts.Node): string => {
    const file = node.getSourceFile().fileName;
    const rel = file.slice(resolve('src').length + 1);
    return rel.split(/[\\/]/)[0] ?? rel;
  };
  const docOf = (symbol: ts.Symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tagsOf = (node: ts.Node) => ts.getJSDocTags(node).map((tag) => tag.tagName.text);
  const isInternal = (node: ts.Node) => tagsOf(node).includes('internal');
  const isHidden = (node: ts.Node) => {
    const modifiers = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
    return modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
  };

  const gaps: Gap[] = [];
  const seen = new Set<ts.Symbol>();
  // Named exports first, so a class exported under its name and as `default` is reported by its name.
  const exports = checker.getExportsOfModule(rootSymbol).sort((a, b) => Number(a.name === 'default') - Number(b.name === 'default'));
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    if (!declaration || !declaration.getSourceFile().fileName.startsWith(resolve('src') + sep)) continue;
    const area = areaOf(declaration);
    const name = exported.name;
    if (!docOf(symbol)) gaps.push({ area, what: `${name}: no doc comment` });
    if (NEEDS_EXAMPLE.includes(name) && !symbol.declarations?.some((d) => tagsOf(d).includes('example'))) {
      gaps.push({ area, what: `${name}: no @example` });
    }
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    if (!(ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration))) continue;
    const isOptions = /Options$/.test(symbol.name) || /Options$/.test(name);
    for (const member of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
      const memberDeclaration = member.valueDeclaration ?? member.declarations?.[0];
      // Members inherited from another exported type are checked there; inherited library members are not ours.
      if (!memberDeclaration || memberDeclaration.parent !== declaration) continue;
      if (member.name.startsWith('#') || member.name.startsWith('__') || isHidden(memberDeclaration) || isInternal(memberDeclaration)) continue;
      if (!docOf(member)) gaps.push({ area, what: `${name}.${member.name}: no doc comment` });
      const optional = (member.flags & ts.SymbolFlags.Optional) !== 0;
      const isMethod = ts.isMethodSignature(memberDeclaration) || ts.isMethodDeclaration(memberDeclaration);
      if (isOptions && optional && !isMethod && !tagsOf(memberDeclaration).includes('default')) {
        gaps.push({ area, what: `${name}.${member.name}: optional option without @default` });
      }
    }
  }
  return gaps;
}

describe('docs in the editor', () => {
  const gaps = collectGaps();

  it.each(AREAS)('every export from src/%s and its public members have a doc comment, examples and defaults', (area) => {
    expect(gaps.filter((gap) => gap.area === area).map((gap) => gap.what)).toEqual([]);
  });

  it('the checker sees the whole root: exports come from every area', () => {
    // Guards the test itself: a resolution failure would find no gaps because it found no exports.
    const program = ts.createProgram([ROOT], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
    const checker = program.getTypeChecker();
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(ROOT) as ts.SourceFile) as ts.Symbol);
    expect(exports.length).toBeGreaterThan(250);
    for (const name of ['S3db', 'initQueue', 'ExecutorPool', 'MemoryClient']) expect(exports.map((e) => e.name)).toContain(name);
  });
});
