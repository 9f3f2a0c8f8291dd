import * as assert from 'assert';
import { analysePython } from '../../../src/lint/lint';

/** The selection of each freeze of the code's parameter loops, in order (`all` when the loop freezes every parameter). */
function selections(body: string): string[] {
  const text = `import torch\nimport torchvision\nmodel = torchvision.models.resnet18()\n${body}`;
  return analysePython(text).training.freezes.map((f) => (f.selection ? `${f.selection.kind}${f.selection.namesNorms ? '+norms' : ''} ${f.selection.test}` : 'all'));
}

describe('training IR: which parameters a parameter loop freezes', () => {
  it('a loop without a test freezes all; a negated test keeps what it names (a linear probe)', () => {
    assert.deepStrictEqual(selections('for p in model.parameters():\n    p.requires_grad = False\n'), ['all']);
    assert.deepStrictEqual(selections('for name, p in model.named_parameters():\n    if name not in ["fc.weight", "fc.bias"]:\n        p.requires_grad = False\n'), ['keeps name not in ["fc.weight", "fc.bias"]']);
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if not n.startswith("fc"):\n        p.requires_grad_(False)\n'), ['keeps not n.startswith("fc")']);
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if "fc" not in n and "head" not in n:\n        p.requires_grad = False\n'), ['keeps "fc" not in n and "head" not in n']);
  });

  it('the else of a positive test, and an earlier `continue`, keep what the test names', () => {
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if n.startswith("fc"):\n        p.requires_grad = True\n    else:\n        p.requires_grad = False\n'), ['keeps n.startswith("fc")']);
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if "fc" in n:\n        continue\n    p.requires_grad = False\n'), ['keeps "fc" in n']);
  });

  it('a positive test picks what it names; a test naming norm parameters says so', () => {
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if "layer1" in n or "layer2" in n:\n        p.requires_grad = False\n'), ['picks "layer1" in n or "layer2" in n']);
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if "bn" not in n:\n        p.requires_grad = False\n'), ['keeps+norms "bn" not in n']);
  });

  it('several tests, a mixed test or a loop in between: not known', () => {
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if "fc" not in n:\n        if epoch > 2:\n            p.requires_grad = False\n'), ['unknown epoch > 2 / "fc" not in n']);
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    if "fc" not in n or "layer4" in n:\n        p.requires_grad = False\n'), ['unknown "fc" not in n or "layer4" in n']);
    assert.deepStrictEqual(selections('for n, p in model.named_parameters():\n    for k in frozen:\n        if k in n:\n            p.requires_grad = False\n'), ['unknown k in n']);
  });
});
