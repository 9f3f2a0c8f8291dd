import * as assert from 'assert';
import type { Layer, ModelIR } from '../../../src/ir/model';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';

/** Real-world model-definition styles the model IR follows (issue #4's "styles the IR still misses"). */

const src = (...lines: string[]): string => lines.join('\n');

function cls(ir: ModelIR, name: string) {
  const c = ir.classes.find((k) => k.name === name);
  assert.ok(c, `${name} in ${ir.classes.map((k) => k.name).join(', ')}`);
  return c;
}

const brief = (l: Layer): string => `${l.path}:${l.kind}${l.repeated ? `x${l.repeated.count ?? '?'}` : ''}`;

describe('Python front end: comprehensions with `if`', () => {
  it('unrolls the elements whose condition holds when the bound and the condition resolve', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self, n=5):',
        '        super().__init__()',
        '        self.blocks = nn.ModuleList([nn.Linear(i + 1, 8) for i in range(n) if i % 2 == 0])',
        '        self.seq = nn.Sequential(*[nn.BatchNorm1d(c) for c in [8, 0, 16] if c])',
      ),
    );
    const [blocks, seq] = cls(ir, 'Net').layers;
    assert.deepStrictEqual(blocks?.elements?.map(brief), ['blocks[0]:Linear', 'blocks[1]:Linear', 'blocks[2]:Linear']);
    // The kept iterations are i = 0, 2, 4: their own values reach the layers.
    assert.deepStrictEqual(blocks?.elements?.map((e) => e.call?.args[0]?.value.kind === 'number' ? e.call.args[0].value.value : undefined), [1, 3, 5]);
    assert.deepStrictEqual(seq?.elements?.map(brief), ['seq.0:BatchNorm1d', 'seq.1:BatchNorm1d']);
    const flows = cls(ir, 'Net').flows.map((f) => `${f.from.path}>${f.to.path}`);
    assert.ok(flows.includes('seq.0>seq.1'), flows.join(' '));
  });

  it('summarises the comprehension like a loop of unknown count when the condition or the bound does not resolve', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self, flag, depth):',
        '        super().__init__()',
        '        self.a = nn.Sequential(nn.Linear(4, 4), *[nn.BatchNorm1d(4) for _ in range(3) if flag], nn.ReLU())',
        '        self.b = nn.ModuleList([nn.LayerNorm(4) for i in range(depth) if i > 0])',
      ),
    );
    const [a, b] = cls(ir, 'Net').layers;
    assert.deepStrictEqual(a?.elements?.map(brief), ['a.0:Linear', 'a.1:BatchNorm1dx?', 'a.2:ReLU']);
    assert.strictEqual(a?.elements?.[1]?.repeated?.text, 'range(3) if flag');
    assert.deepStrictEqual(b?.elements?.map(brief), ['b[0]:LayerNormx?']);
    // A summarised element is not said to follow or precede its neighbours.
    assert.deepStrictEqual(cls(ir, 'Net').flows.map((f) => `${f.from.path}>${f.to.path}`), []);
  });
});
