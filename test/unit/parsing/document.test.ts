import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';
import type { SyntaxNode } from '../../../src/parsing/python/syntaxTree';
import { assertEditsMatchFresh } from '../helpers/incremental';
import { summarizeModel } from '../helpers/irSummary';

const dir = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const source = fs.readFileSync(path.join(dir, 'torchvision_resnet.py'), 'utf8');

/** Every node of a copied tree: type, field, range, start row, error flag (for comparing copies). */
function shape(node: SyntaxNode | undefined, field: string | null = null, out: string[] = []): string {
  if (!node) return '';
  out.push(`${node.type}:${field ?? ''}:${node.startIndex}-${node.endIndex}:${node.startPosition.row}:${node.hasError ? 'E' : ''}(`);
  node.children.forEach((c, i) => shape(c, node.fieldNames[i] ?? null, out));
  out.push(')');
  return out.join('');
}

describe('PythonDocument (incremental parsing)', () => {
  it('gives the same IR as a fresh analysis after a sequence of edits', function () {
    this.timeout(120000);
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), del: fc.nat({ max: 5 }), ins: fc.constantFrom('', 'x', '1', '(', ')', '\n', '    ', 'é', 'nn.BatchNorm2d(8)\n') }), { minLength: 1, maxLength: 5 }),
        (edits) => {
          const doc = new PythonDocument(source);
          try {
            let text = source;
            for (const e of edits) {
              const start = Math.floor(e.at * text.length);
              const end = Math.min(text.length, start + e.del);
              doc.applyChanges([{ startOffset: start, oldEndOffset: end, newText: e.ins }]);
              text = text.slice(0, start) + e.ins + text.slice(end);
            }
            assert.strictEqual(doc.text, text);
            assert.deepStrictEqual(summarizeModel(doc.analyse().model), summarizeModel(analysePythonFile(text).model));
          } finally {
            doc.dispose();
          }
        },
      ),
      { numRuns: 15, seed: 42 },
    );
  });

  it("an unchanged statement's reused IR holds no line of the file (a reason for an unknown value quotes code, not a line)", () => {
    const text = [
      'import torch.nn as nn',
      '',
      '',
      'class Pool(nn.Module):',
      '    def __init__(self, in_features, embed_dim=None, width=64):',
      '        super().__init__()',
      '        embed_dim = embed_dim or in_features',
      '        for _ in range(2):',
      '            width = width * 2',
      '            self.proj = nn.Linear(width, embed_dim)',
      '        self.norm = nn.LayerNorm(embed_dim)',
      '',
    ].join('\n');
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      // Enter at the top: every line of the class moves down; the class statement is reused.
      doc.applyChanges([{ startOffset: 0, oldEndOffset: 0, newText: '\n' }]);
      const fresh = analysePythonFile('\n' + text);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(doc.analyse())), JSON.parse(JSON.stringify(fresh)));
      assert.match(JSON.stringify(fresh.model), /parameter width is assigned again in the loop \(`width = width \* 2`\)/);
    } finally {
      doc.dispose();
    }
  });

  it('two instances of a block built with equal values in different places each cite their own arguments, in a fresh analysis and after an edit of either', () => {
    const text = [
      'import torch.nn as nn',
      '',
      '',
      'class Block(nn.Module):',
      '    def __init__(self, width):',
      '        super().__init__()',
      '        self.fc = nn.Linear(width, width)',
      '',
      '',
      'class A(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.b = Block(8)',
      '',
      '',
      'class B(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.b = Block(8)',
      '',
    ].join('\n');
    // The Linear of B's block cites B's `8` (line 19), not A's (line 13).
    const cited = (ir: ReturnType<typeof analysePythonFile>, cls: string) =>
      ir.model.classes.find((c) => c.name === cls)?.layers[0]?.instanceLayers?.[0]?.call?.args.map((a) => (a.value.kind === 'number' ? a.value.provenance?.span.start.line : undefined));
    const fresh = analysePythonFile(text);
    assert.deepStrictEqual(cited(fresh, 'A'), [12, 12]);
    assert.deepStrictEqual(cited(fresh, 'B'), [18, 18]);
    // An open document re-walks only the edited class: the other keeps its own citations.
    assertEditsMatchFresh(text, [
      ['self.b = Block(8)\n\n', 'self.b = Block(8)  # edited\n\n'],
      ['class B(nn.Module):\n    def __init__(self):', 'class B(nn.Module):\n    def __init__(self):  # edited'],
    ]);
  });

  it('gives the same IR and syntax copy as a fresh analysis after batches of several changes (multi-cursor edits)', function () {
    this.timeout(120000);
    const at = fc.double({ min: 0, max: 1, noNaN: true });
    const change = fc.oneof(
      fc.record({ at, del: fc.nat({ max: 8 }), ins: fc.constantFrom('', 'x', '7', '(', '\n', '    ', 'é', 'nn.BatchNorm2d(8)\n', '\nWIDTH = 3\n') }),
      // A character replaced by another: nothing after it moves (a changed range that misses it would go unnoticed by positions).
      fc.record({ at, del: fc.constant(1), ins: fc.constantFrom('7', 'x', '(', ' ') }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), (batches) => {
        const doc = new PythonDocument(source);
        try {
          let text = source;
          for (const batch of batches) {
            const changes = batch.map((c) => {
              // Each change is in the coordinates of the text after the changes before it.
              const start = Math.floor(c.at * text.length);
              const end = Math.min(text.length, start + c.del);
              text = text.slice(0, start) + c.ins + text.slice(end);
              return { startOffset: start, oldEndOffset: end, newText: c.ins };
            });
            const ir = doc.applyChanges(changes);
            assert.strictEqual(doc.text, text);
            assert.deepStrictEqual(JSON.parse(JSON.stringify(ir)), JSON.parse(JSON.stringify(analysePythonFile(text))));
            const fresh = new PythonDocument(text);
            try {
              assert.strictEqual(shape(doc.syntaxTree?.rootNode), shape(fresh.syntaxTree?.rootNode));
            } finally {
              fresh.dispose();
            }
          }
        } finally {
          doc.dispose();
        }
      }),
      { numRuns: 12, seed: 7 },
    );
  });

  it('a batch whose changes are far apart re-reads every statement one of them touched (same-length replacements included)', () => {
    const text = 'import torch.nn as nn\nbn = nn.BatchNorm2d(8)\nx = 1\n\n\ny = 2\n';
    const digit = text.indexOf('8');
    const batches = [
      [{ startOffset: digit, oldEndOffset: digit + 1, newText: '7' }, { startOffset: text.length, oldEndOffset: text.length, newText: '\n' }],
      [{ startOffset: text.length, oldEndOffset: text.length, newText: 'z = 3\n' }, { startOffset: digit, oldEndOffset: digit + 1, newText: '7' }],
      [{ startOffset: digit, oldEndOffset: digit + 1, newText: '7' }, { startOffset: text.indexOf('y = 2'), oldEndOffset: text.indexOf('y = 2') + 1, newText: 'w' }],
    ];
    for (const batch of batches) {
      const doc = new PythonDocument(text);
      try {
        doc.analyse();
        const ir = doc.applyChanges(batch);
        assert.deepStrictEqual(JSON.parse(JSON.stringify(ir)), JSON.parse(JSON.stringify(analysePythonFile(doc.text))), JSON.stringify(batch));
        const [call] = ir.model.layerCalls;
        assert.strictEqual(call?.args[0]?.value.kind === 'number' ? call.args[0].value.value : undefined, 7);
      } finally {
        doc.dispose();
      }
    }
  });

  it('several changes in one update are applied in order', () => {
    const doc = new PythonDocument('import torch.nn as nn\nbn = nn.BatchNorm2d(8)\n');
    try {
      doc.applyChanges([
        { startOffset: 42, oldEndOffset: 43, newText: '16' },
        { startOffset: 0, oldEndOffset: 0, newText: '# header\n' },
      ]);
      assert.strictEqual(doc.text, '# header\nimport torch.nn as nn\nbn = nn.BatchNorm2d(16)\n');
      const [call] = doc.analyse().model.layerCalls;
      assert.strictEqual(call?.args[0]?.value.kind === 'number' ? call.args[0].value.value : undefined, 16);
      assert.strictEqual(call?.span.start.line, 2);
    } finally {
      doc.dispose();
    }
  });
});
