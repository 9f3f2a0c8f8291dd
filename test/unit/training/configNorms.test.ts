import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { collectImports } from '../../../src/parsing/python/imports';
import { parseSyntaxTree } from '../../../src/parsing/python/syntaxTree';
import { collectClassFacts, modelFactsOfClass } from '../../../src/parsing/python/training/classes';

// The training IR's class facts count norms a class names by config (mmcv's `norm_cfg=dict(type='BN')`,
// detectron2's `get_norm('FrozenBN', C)`), not only norm classes (src/parsing/python/training/classes.ts).

/** `Net`'s facts in `text`, as kinds by role. */
function factsOf(text: string, name = 'Net'): { bn: string[]; affine: string[]; frozen: boolean } {
  const tree = parseSyntaxTree(text);
  assert.ok(tree);
  const facts = modelFactsOfClass(name, collectClassFacts(tree, collectImports(tree)), 'file');
  assert.ok(facts, `no facts for ${name}`);
  return { bn: facts.batchNorms.map((l) => l.kind), affine: facts.affineNorms.map((l) => l.kind), frozen: facts.frozenBatchNorm };
}

const MMCV = `import torch.nn as nn
from mmcv.cnn import ConvModule, build_norm_layer


class Stem(nn.Module):
    def __init__(self, channels, norm_cfg=dict(type='BN', requires_grad=True)):
        super().__init__()
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, channels, postfix=1)
        self.add_module(self.norm1_name, norm1)


class Net(nn.Module):
    def __init__(self, norm_cfg={'type': 'GN', 'num_groups': 8}):
        super().__init__()
        self.stem = Stem(16)
        self.head = ConvModule(16, 16, 3, norm_cfg=norm_cfg)
        self.neck = ConvModule(16, 16, 1, norm_cfg=dict(type='SyncBN'), act_cfg=None)
        self.plain = ConvModule(16, 16, 1, norm_cfg=None)
`;

const DETECTRON2 = `import torch.nn as nn
from detectron2.layers import Conv2d, get_norm


class Block(nn.Module):
    def __init__(self, channels, *, norm="BN", name="BN"):
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, norm=get_norm(norm, channels))
        self.label = name


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(64)
        self.frozen = get_norm("FrozenBN", 64)
`;

describe('training IR: norms named by config', () => {
  it("mmcv configs: a dict call's or a dict literal's type, in document order with the classes used", () => {
    const facts = factsOf(MMCV);
    // Net's own configs (GN default, SyncBN), then Stem's BN (a class used is read after the class itself).
    assert.deepStrictEqual(facts.affine, ['GroupNorm', 'SyncBatchNorm', 'BatchNorm2d']);
    // SyncBatchNorm is BatchNorm, but not one that NRM105 would ask to convert: `batchNorms` leaves it out as for `nn.SyncBatchNorm`.
    assert.deepStrictEqual(facts.bn, ['BatchNorm2d']);
    assert.strictEqual(facts.frozen, false);
  });

  it('a config without a norm type, or a dict that is no config, names no norm', () => {
    const facts = factsOf(`import torch.nn as nn
from mmcv.cnn import ConvModule


class Net(nn.Module):
    def __init__(self, norm_cfg=None, labels={'kind': 'BN'}):
        super().__init__()
        self.conv = ConvModule(3, 8, 3, norm_cfg=norm_cfg, conv_cfg=dict(type='Conv2d'))
        self.name = 'BN'
        self.other = dict(mode='BN', style=dict(kind='SyncBN'))
`);
    assert.deepStrictEqual(facts, { bn: [], affine: [], frozen: false });
  });

  it("detectron2: get_norm's name, given or a default of the parameter passed to get_norm (not of another parameter)", () => {
    const facts = factsOf(DETECTRON2);
    assert.deepStrictEqual(facts.bn, ['BatchNorm2d']);
    assert.deepStrictEqual(facts.affine, ['BatchNorm2d']);
    assert.strictEqual(facts.frozen, true, 'FrozenBN is a frozen BatchNorm');
    assert.deepStrictEqual(factsOf(DETECTRON2, 'Block').bn, ['BatchNorm2d'], 'norm="BN" once, name="BN" not at all');
  });

  it('a training script on a model built from configs knows it has BatchNorm', () => {
    const ir = analysePythonFile(`${MMCV}

def main(dataset):
    model = Net()
    loader = DataLoader(dataset, batch_size=1)
    model.train()
    for x in loader:
        model(x)
`);
    const model = ir.training.models.find((m) => m.name === 'model');
    assert.ok(model);
    assert.deepStrictEqual(model.facts.batchNorms.map((l) => l.kind), ['BatchNorm2d']);
    assert.strictEqual(model.facts.batchNorms[0].span?.start.line, 5, "the layer's span is the config's (Stem's default norm_cfg, line 6)");
  });
});
