import * as assert from 'assert';
import { allLayers, argument, type Layer, type LayerCall, type ModelIR } from '../../../src/ir/model';
import { describeProvenance, lineWhere, showValue } from '../../../src/ir/values';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';

/** Layers built from configs by mmcv's and detectron2's builders (src/parsing/python/configBuilders.ts). */

const src = (...lines: string[]): string => lines.join('\n');

function cls(ir: ModelIR, name: string) {
  const c = ir.classes.find((k) => k.name === name);
  assert.ok(c, `${name} in ${ir.classes.map((k) => k.name).join(', ')}`);
  return c;
}

/** `path:Kind(name=value, ...)` with the arguments as the IR maps them. */
function brief(l: Layer): string {
  const args = (c: LayerCall) => c.args.map((a) => `${a.name ?? a.position}=${showValue(a.value)}`).join(', ');
  return `${l.path}:${l.kind}${l.call ? `(${args(l.call)})` : ''}`;
}

const MM_HEADER = ['import torch.nn as nn', 'from mmcv.cnn import build_conv_layer, build_norm_layer', 'from mmengine.model import BaseModule'];

describe("Python front end: mmcv's build_norm_layer and build_conv_layer", () => {
  it("builds the class the config names, the config's entries as keywords, under the name mmcv gives it", () => {
    const ir = parsePythonModel(
      src(
        ...MM_HEADER,
        'class Block(BaseModule):',
        "    def __init__(self, inplanes=32, planes=48, conv_cfg=None, norm_cfg=dict(type='GN', num_groups=16, eps=1e-3, requires_grad=True)):",
        '        super().__init__()',
        '        self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)',
        '        self.conv1 = build_conv_layer(conv_cfg, inplanes, planes, 3, stride=2, bias=False)',
        '        self.add_module(self.norm1_name, norm1)',
        "        self.bn = build_norm_layer(dict(type='SyncBN', momentum=0.01), planes)[1]",
        '        _, self.ln = build_norm_layer(dict(type=nn.LayerNorm), planes)',
        "        self.deform = build_conv_layer(dict(type='DCNv2'), planes, planes, 3)",
      ),
    );
    const block = cls(ir, 'Block');
    assert.deepStrictEqual(block.layers.map(brief), [
      'conv1:Conv2d(in_channels=32, out_channels=48, kernel_size=3, stride=2, bias=False)',
      'gn1:GroupNorm(num_channels=48, num_groups=16, eps=0.001)',
      'bn:SyncBatchNorm(num_features=48, momentum=0.01)',
      'ln:LayerNorm(normalized_shape=48)',
    ]);
    const gn = block.layers[1]?.call;
    assert.strictEqual(gn?.viaParameter, 'norm_cfg');
    assert.strictEqual(gn?.callee, 'build_norm_layer');
    assert.strictEqual(block.layers[0]?.call?.viaParameter, 'conv_cfg');
    // A config entry is written in the config (the parameter's default), and says so.
    const groups = gn ? argument(gn, 'num_groups') : undefined;
    assert.ok(groups?.provenance);
    assert.strictEqual(describeProvenance(groups.provenance, lineWhere), 'literal, line 5');
    assert.strictEqual(groups.valueSpan.start.line, 4);
    assert.deepStrictEqual(block.normParameters.map((p) => `${p.name}:${p.kind}:${p.uses.length}`), ['norm_cfg:GroupNorm:1']);
  });

  it("names the layer for the config an instance is given, and reads `self.norm1` through the class's property", () => {
    const ir = parsePythonModel(
      src(
        ...MM_HEADER,
        'class Stem(BaseModule):',
        "    def __init__(self, c=64, norm_cfg=dict(type='BN')):",
        '        super().__init__()',
        '        self.conv = nn.Conv2d(3, c, 3, bias=False)',
        '        self.norm1_name, norm1 = build_norm_layer(norm_cfg, c, postfix=1)',
        '        self.add_module(self.norm1_name, norm1)',
        '    @property',
        '    def norm1(self):',
        '        """The norm after the conv."""',
        '        return getattr(self, self.norm1_name)',
        '    def forward(self, x):',
        '        return self.norm1(self.conv(x))',
      ),
    );
    const stem = cls(ir, 'Stem');
    assert.deepStrictEqual(stem.layers.map(brief), ['conv:Conv2d(in_channels=3, out_channels=64, kernel_size=3, bias=False)', 'bn1:BatchNorm2d(num_features=64)']);
    assert.deepStrictEqual(stem.forward?.steps.map((s) => s.target), ['conv', 'bn1']);
    assert.deepStrictEqual(stem.flows.map((f) => `${f.from.path}>${f.to.path}`), ['conv>bn1']);
    // An instance given another config: its own layer, named as mmcv names it.
    const net = parsePythonModel(
      src(
        ...MM_HEADER,
        'class Stem(BaseModule):',
        "    def __init__(self, c=64, norm_cfg=dict(type='BN')):",
        '        super().__init__()',
        '        self.conv = nn.Conv2d(3, c, 3, bias=False)',
        '        self.norm1_name, norm1 = build_norm_layer(norm_cfg, c, postfix=1)',
        '        self.add_module(self.norm1_name, norm1)',
        'class Net(BaseModule):',
        '    def __init__(self):',
        '        super().__init__()',
        "        self.stem = Stem(32, norm_cfg=dict(type='GN', num_groups=8))",
      ),
    );
    const instance = cls(net, 'Net').layers[0]?.instanceLayers ?? [];
    assert.deepStrictEqual(instance.map(brief), ['conv:Conv2d(in_channels=3, out_channels=32, kernel_size=3, bias=False)', 'gn1:GroupNorm(num_channels=32, num_groups=8)']);
  });

  it('builds nothing it does not know: a config whose type is not known, a builder the file defines, a splat', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from mmcv.cnn import build_conv_layer',
        'def build_norm_layer(cfg, c):',
        '    return nn.LayerNorm(c)',
        'class Block(nn.Module):',
        '    def __init__(self, cfg, norm_cfg=dict(type="BN"), **kw):',
        '        super().__init__()',
        '        self.norm = build_norm_layer(norm_cfg, 8)',
        '        self.conv = build_conv_layer(cfg, 8, 8, 3)',
        '        self.conv2 = build_conv_layer(None, *kw["shape"])',
      ),
    );
    assert.deepStrictEqual(allLayers(cls(ir, 'Block').layers).filter((l) => l.call).map(brief), []);
  });
});

describe("Python front end: detectron2's get_norm", () => {
  it("builds GroupNorm(32, C) for 'GN', the class for 'BN' and 'SyncBN', a partial's class with its arguments; not its own 'LN'", () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from functools import partial',
        'from detectron2.layers import get_norm',
        'class Head(nn.Module):',
        "    def __init__(self, c=96, norm='GN'):",
        '        super().__init__()',
        '        self.a = get_norm(norm, c)',
        "        self.b = get_norm('SyncBN', c)",
        '        self.c = get_norm(partial(nn.GroupNorm, 12), c)',
        "        self.d = get_norm('LN', c)",
      ),
    );
    assert.deepStrictEqual(cls(ir, 'Head').layers.map(brief), [
      'a:GroupNorm(num_groups=32, num_channels=96)',
      'b:SyncBatchNorm(num_features=96)',
      'c:GroupNorm(num_groups=12, num_channels=96)',
      'd:LayerNorm',
    ]);
    const groups = cls(ir, 'Head').layers[0]?.call?.args[0];
    assert.strictEqual(groups?.provenance?.description, "detectron2 get_norm('GN') default num_groups=32");
  });
});
