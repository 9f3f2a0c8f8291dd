import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';
import { summarizeModel } from '../helpers/irSummary';

const dir = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const source = fs.readFileSync(path.join(dir, 'torchvision_resnet.py'), 'utf8');

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
