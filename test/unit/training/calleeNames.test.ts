import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { collectImports, qualifiedName } from '../../../src/parsing/python/imports';
import { dottedParts } from '../../../src/parsing/python/syntax';
import { parseSyntaxTree } from '../../../src/parsing/python/syntaxTree';
import { dottedLast } from '../../../src/parsing/python/dottedNames';
import { calleeLastName, lastSegment } from '../../../src/parsing/python/training/util';

/** The last name the training passes pick calls by, as the qualified name would give it. */
function lastOfQualified(callee: Parameters<typeof calleeLastName>[0], imports: ReturnType<typeof collectImports>): string {
  return lastSegment(qualifiedName(callee, imports, new Set()) ?? dottedParts(callee)?.join('.') ?? '');
}

describe('training IR: callee names read without the qualified name', () => {
  const aliased = [
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    'from torch.nn import BatchNorm2d as BN, Linear',
    'from torch.nn.parallel import DistributedDataParallel as DDP',
    'from accelerate import Accelerator',
    'import numpy as np',
    '',
    'a = BN(4)',
    'b = Linear(2, 3)',
    'c = DDP(model)',
    'd = nn.Conv2d(3, 8, 3)',
    'e = F.relu(x)',
    'f = torch.optim.SGD(p, lr=0.1)',
    'g = np.zeros(3)',
    'h = Accelerator()',
    'i = get_model()(x)',
    'j = self.layers[0](x)',
    'k = (model).eval()',
    'm = model.module.fc(x)',
    '',
  ].join('\n');

  it('is the last segment of the qualified (else dotted) name for every call, on hand-written calls and on the fixtures', () => {
    const fixtures = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
    const texts = [aliased];
    const read = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) read(full);
        else if (entry.name.endsWith('.py')) texts.push(fs.readFileSync(full, 'utf8'));
      }
    };
    read(path.join(fixtures, 'models'));
    read(path.join(fixtures, 'training'));
    let calls = 0;
    for (const text of texts) {
      const tree = parseSyntaxTree(text);
      assert.ok(tree);
      const imports = collectImports(tree);
      for (const call of tree.rootNode.descendantsOfType('call')) {
        const callee = call.childForFieldName('function');
        if (!callee) continue;
        calls++;
        assert.strictEqual(calleeLastName(callee, imports), lastOfQualified(callee, imports), call.text);
      }
    }
    assert.ok(calls > 1000, `only ${calls} calls checked`);
  });

  it('names what an aliased plain name stands for, and nothing for a callee that is not a dotted name', () => {
    const tree = parseSyntaxTree(aliased);
    assert.ok(tree);
    const imports = collectImports(tree);
    const byText = new Map(tree.rootNode.descendantsOfType('call').map((c) => [c.text, c.childForFieldName('function')]));
    const last = (text: string): string => {
      const callee = byText.get(text);
      assert.ok(callee, text);
      return calleeLastName(callee, imports);
    };
    assert.strictEqual(last('BN(4)'), 'BatchNorm2d');
    assert.strictEqual(last('DDP(model)'), 'DistributedDataParallel');
    assert.strictEqual(last('nn.Conv2d(3, 8, 3)'), 'Conv2d');
    assert.strictEqual(last('get_model()(x)'), '');
    assert.strictEqual(last('self.layers[0](x)'), '');
    const eval_ = byText.get('(model).eval()');
    assert.ok(eval_);
    assert.strictEqual(dottedLast(eval_), undefined);
    assert.strictEqual(last('model.module.fc(x)'), 'fc');
  });
});
