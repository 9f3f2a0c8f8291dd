// Soak test of incremental analysis on real code: `node out/scripts/soak-incremental.js DIR...
// [--files N] [--edits K] [--seed S] [--lint]`. Picks N Python files under the folders, applies K random
// edits to each through a PythonDocument (incremental re-parse, per-statement IR reuse) and
// checks after every edit that the IR equals a fresh analysis of the same text; with `--lint`, also
// that linting the open document (the rules' findings kept per unchanged class and call) gives
// the findings of a fresh lint of the text. Prints the first
// difference of each mismatching file and exits 1 if there was one. For code we do not commit
// (fetched repositories): the unit tests run the same check on our own fixtures.
import * as fs from 'fs';
import * as path from 'path';
import { analysePythonFile } from '../src/parsing/python/analyse';
import { PythonDocument } from '../src/parsing/python/document';
import { parseSyntaxTree, updateCounts, type SyntaxNode } from '../src/parsing/python/syntaxTree';
import { initPythonParser } from '../src/parsing/python/treeSitter';
import { lintPython, lintSyntaxTree } from '../src/lint/lint';

const INSERTS = ['', 'x', '7', '(', ')', ':', '\n', '    ', 'nn.BatchNorm2d(8)\n', 'import torch\n', 'self.bn = nn.BatchNorm2d(4)\n', 'model.eval()\n', '\n\n', 'def f():\n    pass\n'];

function pythonFiles(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) pythonFiles(full, out);
    else if (entry.name.endsWith('.py') && fs.statSync(full).size < 200_000) out.push(full);
  }
}

/** A node's type and offsets, and its children's, as one string. */
function shapeOf(node: SyntaxNode): string {
  return `(${node.type} ${node.startIndex} ${node.endIndex}${node.children.map(shapeOf).join('')})`;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(args.splice(i, 2)[1]);
    return Number.isFinite(v) ? v : fallback;
  };
  const nFiles = option('--files', 40);
  const nEdits = option('--edits', 6);
  const lintIndex = args.indexOf('--lint');
  const lint = lintIndex >= 0;
  if (lint) args.splice(lintIndex, 1);
  let seed = option('--seed', 1);
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  if (args.length === 0) {
    console.error('usage: soak-incremental DIR... [--files N] [--edits K] [--seed S]');
    return 2;
  }
  await initPythonParser();
  const files: string[] = [];
  for (const dir of args) pythonFiles(dir, files);
  files.sort();
  let edits = 0;
  let mismatches = 0;
  let lintMismatches = 0;
  let parserDivergences = 0;
  let reused = 0;
  let computed = 0;
  for (let n = 0; n < Math.min(nFiles, files.length); n++) {
    const file = files[Math.floor(random() * files.length)];
    let text = fs.readFileSync(file, 'utf8');
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      for (let k = 0; k < nEdits; k++) {
        const start = Math.floor(random() * text.length);
        const end = Math.min(text.length, start + Math.floor(random() * 5));
        const insert = INSERTS[Math.floor(random() * INSERTS.length)];
        text = text.slice(0, start) + insert + text.slice(end);
        const incremental = JSON.stringify(doc.applyChanges([{ startOffset: start, oldEndOffset: end, newText: insert }]));
        edits++;
        reused += doc.syntaxTree?.memo?.reused ?? 0;
        computed += doc.syntaxTree?.memo?.computed ?? 0;
        const fresh = JSON.stringify(analysePythonFile(text));
        if (incremental !== fresh) {
          // tree-sitter's incremental re-parse can recover from syntax errors differently than a
          // fresh parse of the same text: then the trees differ, not our use of them.
          const freshTree = parseSyntaxTree(text);
          if (doc.syntaxTree && freshTree && shapeOf(doc.syntaxTree.rootNode) !== shapeOf(freshTree.rootNode)) {
            parserDivergences++;
            break;
          }
          mismatches++;
          let i = 0;
          while (incremental[i] === fresh[i]) i++;
          console.log(`MISMATCH ${file} after edit ${k} (${JSON.stringify(insert)} at ${start}):\n  incremental …${incremental.slice(Math.max(0, i - 120), i + 80)}\n  fresh       …${fresh.slice(Math.max(0, i - 120), i + 80)}`);
          break;
        }
        if (lint && doc.syntaxTree) {
          const kept = JSON.stringify(lintSyntaxTree(doc.syntaxTree));
          const again = JSON.stringify(lintPython(text));
          if (kept !== again) {
            lintMismatches++;
            let i = 0;
            while (kept[i] === again[i]) i++;
            console.log(`LINT MISMATCH ${file} after edit ${k} (${JSON.stringify(insert)} at ${start}):\n  open document …${kept.slice(Math.max(0, i - 120), i + 80)}\n  fresh         …${again.slice(Math.max(0, i - 120), i + 80)}`);
            break;
          }
        }
      }
    } finally {
      doc.dispose();
    }
  }
  console.log(`${edits} edits on ${Math.min(nFiles, files.length)} files: ${mismatches} mismatches${lint ? `, ${lintMismatches} lint mismatches` : ''} (and ${parserDivergences} files left after tree-sitter's incremental tree differed from a fresh parse); statement results reused ${reused}, recomputed ${computed}; tree updates read from the heap ${updateCounts.heap}, within tree-sitter's changed ranges ${updateCounts.windowed}, misaligned ${updateCounts.misaligned}`);
  return mismatches + lintMismatches > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exitCode = 2;
  },
);
