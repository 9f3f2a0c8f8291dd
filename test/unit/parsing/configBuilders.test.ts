import * as assert from 'assert';
import { allLayers, argument, type Layer, type LayerCall, type ModelIR } from '../../../src/ir/model';
import { describeProvenance, lineWhere, showValue } from '../../../src/ir/values';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { assertEditsMatchFresh } from '../helpers/incremental';

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

  it("builds the activation build_activation_layer's config names", () => {
    const ir = parsePythonModel(
      src(
        ...MM_HEADER,
        'from mmcv.cnn import build_activation_layer',
        'class Block(BaseModule):',
        "    def __init__(self, act_cfg=dict(type='ReLU', inplace=True)):",
        '        super().__init__()',
        '        self.act = build_activation_layer(act_cfg)',
        "        self.gelu = build_activation_layer(dict(type='GELU'))",
        "        self.swish = build_activation_layer(dict(type='Swish'))",
      ),
    );
    assert.deepStrictEqual(cls(ir, 'Block').layers.map(brief), ['act:ReLU(inplace=True)', 'gelu:GELU()']);
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

describe("Python front end: mmcv's ConvModule", () => {
  it('is a container of its conv, its norm and its activation, named and ordered as mmcv builds them', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from mmcv.cnn import ConvModule',
        'class Head(nn.Module):',
        "    def __init__(self, cfg, c=64, norm_cfg=dict(type='GN', num_groups=32), act_cfg=None):",
        '        super().__init__()',
        '        self.convs = nn.Sequential(ConvModule(256, c, 3, padding=1, norm_cfg=norm_cfg), ConvModule(c, c, 1))',
        "        self.pre = ConvModule(c, c, 1, norm_cfg=dict(type='BN'), act_cfg=dict(type='GELU'), order=('norm', 'conv', 'act'))",
        '        self.last = ConvModule(c, c, 1, bias=True, norm_cfg=cfg, act_cfg=act_cfg)',
        '    def forward(self, x):',
        '        return self.last(self.pre(self.convs(x)))',
      ),
    );
    const head = cls(ir, 'Head');
    const leaves = allLayers(head.layers).filter((l) => !l.elements).map(brief);
    assert.deepStrictEqual(leaves, [
      'convs.0.conv:Conv2d(in_channels=256, out_channels=64, kernel_size=3, padding=1, bias=False)',
      'convs.0.gn:GroupNorm(num_channels=64, num_groups=32)',
      'convs.0.activate:ReLU(inplace=True)',
      'convs.1.conv:Conv2d(in_channels=64, out_channels=64, kernel_size=1, bias=True)',
      'convs.1.activate:ReLU(inplace=True)',
      'pre.bn:BatchNorm2d(num_features=64)',
      'pre.conv:Conv2d(in_channels=64, out_channels=64, kernel_size=1, bias=False)',
      'pre.activate:GELU()',
      'last.conv:Conv2d(in_channels=64, out_channels=64, kernel_size=1, bias=True)',
      'last.norm:?',
    ]);
    // A norm whose config is not known may not be there; `bias='auto'` names why it is what it is.
    assert.strictEqual(allLayers(head.layers).find((l) => l.path === 'last.norm')?.conditional, true);
    const bias = allLayers(head.layers).find((l) => l.path === 'convs.0.conv')?.call;
    assert.strictEqual(bias ? argument(bias, 'bias')?.provenance?.description : undefined, "ConvModule bias='auto' before a norm");
    assert.deepStrictEqual(
      head.flows.map((f) => `${f.from.path}>${f.to.path}`).filter((f) => f.startsWith('convs.0')),
      ['convs.0.conv>convs.0.gn', 'convs.0.gn>convs.0.activate', 'convs.0.activate>convs.1.conv'],
    );
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

  it("builds detectron2's FrozenBatchNorm2d for 'FrozenBN', a norm with fixed statistics", () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from detectron2.layers import get_norm',
        'class Stem(nn.Module):',
        "    def __init__(self, c=64, norm='FrozenBN'):",
        '        super().__init__()',
        '        self.conv = nn.Conv2d(3, c, 7, 2, 3, bias=False)',
        '        self.bn = get_norm(norm, c)',
        '    def forward(self, x):',
        '        return self.bn(self.conv(x))',
      ),
    );
    const stem = cls(ir, 'Stem');
    assert.deepStrictEqual(stem.layers.map(brief), ['conv:Conv2d(in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)', 'bn:FrozenBatchNorm2d(num_features=64)']);
    const bn = stem.layers[1];
    assert.strictEqual(bn?.family, 'norm');
    assert.strictEqual(bn?.norm, 'frozen');
    assert.deepStrictEqual(stem.normParameters.map((p) => [p.name, p.kind]), [['norm', 'FrozenBatchNorm2d']]);
    assert.deepStrictEqual(stem.flows.map((f) => `${f.from.path} -> ${f.to.path}`), ['conv -> bn']);
  });
});

describe('Python front end: FrozenBatchNorm2d', () => {
  it("knows torchvision's, detectron2's and timm's frozen BatchNorm classes, under their import paths, as norm layers with fixed statistics", () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'import torchvision',
        'from torchvision.ops import misc as misc_nn_ops',
        'from torchvision.ops import FrozenBatchNorm2d',
        'from detectron2.layers.batch_norm import FrozenBatchNorm2d as D2Frozen',
        'from timm.layers import FrozenBatchNormAct2d',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.a = FrozenBatchNorm2d(16)',
        '        self.b = misc_nn_ops.FrozenBatchNorm2d(16, eps=1e-3)',
        '        self.c = torchvision.ops.misc.FrozenBatchNorm2d(num_features=16)',
        '        self.d = D2Frozen(16)',
        '        self.e = FrozenBatchNormAct2d(16, act_layer=None)',
      ),
    );
    const layers = cls(ir, 'Net').layers;
    assert.deepStrictEqual(layers.map(brief), [
      'a:FrozenBatchNorm2d(num_features=16)',
      'b:FrozenBatchNorm2d(num_features=16, eps=0.001)',
      'c:FrozenBatchNorm2d(num_features=16)',
      'd:FrozenBatchNorm2d(num_features=16)',
      'e:FrozenBatchNormAct2d(num_features=16, act_layer=None)',
    ]);
    assert.deepStrictEqual(layers.map((l) => [l.family, l.norm]), Array(5).fill(['norm', 'frozen']));
    // The defaults are the library's (eps 1e-5; timm's class applies its activation).
    assert.strictEqual(showValue(layers[0]?.call?.defaults['eps'] ?? { kind: 'none' }), '0.00001');
    assert.strictEqual(showValue(layers[4]?.call?.defaults['apply_act'] ?? { kind: 'none' }), 'True');
  });

  it('follows a norm_layer parameter given FrozenBatchNorm2d, as torchvision detection backbones are built', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from torchvision.ops import misc as misc_nn_ops',
        'class Block(nn.Module):',
        '    def __init__(self, c=32, norm_layer=misc_nn_ops.FrozenBatchNorm2d):',
        '        super().__init__()',
        '        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)',
        '        self.bn = norm_layer(c)',
      ),
    );
    const block = cls(ir, 'Block');
    assert.deepStrictEqual(block.layers.map(brief), ['conv:Conv2d(in_channels=32, out_channels=32, kernel_size=3, padding=1, bias=False)', 'bn:FrozenBatchNorm2d(num_features=32)']);
    assert.strictEqual(block.layers[1]?.norm, 'frozen');
    assert.deepStrictEqual(block.normParameters.map((p) => [p.name, p.kind]), [['norm_layer', 'FrozenBatchNorm2d']]);
  });

  it('leaves a FrozenBatchNorm2d that is not a known library class (a class of another package) out of the layers', () => {
    const ir = parsePythonModel(src('import torch.nn as nn', 'from mylib.layers import FrozenBatchNorm2d', 'class Net(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.a = FrozenBatchNorm2d(16)'));
    assert.deepStrictEqual(cls(ir, 'Net').layers.map(brief), []);
  });
});

describe('Python front end: functions defined in a forward pass', () => {
  it("walks mmcv's `_inner_forward` at its call sites, directly or through torch.utils.checkpoint, once for the same inputs", () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'import torch.utils.checkpoint as cp',
        'class Block(nn.Module):',
        '    def __init__(self, c=64, with_cp=False):',
        '        super().__init__()',
        '        self.with_cp = with_cp',
        '        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)',
        '        self.bn1 = nn.BatchNorm2d(c)',
        '        self.relu = nn.ReLU(inplace=True)',
        '    def forward(self, x):',
        '        def _inner_forward(x):',
        '            identity = x',
        '            out = self.bn1(self.conv1(x))',
        '            return out + identity',
        '        if self.with_cp and x.requires_grad:',
        '            out = cp.checkpoint(_inner_forward, x)',
        '        else:',
        '            out = _inner_forward(x)',
        '        return self.relu(out)',
      ),
    );
    const block = cls(ir, 'Block');
    assert.deepStrictEqual(block.forward?.steps.map((s) => `${s.target}<${s.inputs.join(',')}`), ['conv1<-1', 'bn1<0', 'add<1,-1', 'relu<2']);
    assert.deepStrictEqual(block.flows.map((f) => `${f.from.path}>${f.to.path}`), ['conv1>bn1']);
  });

  it("keeps a local function's names its own, binds its parameters by position and keyword, and does not walk a recursive one again", () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.conv = nn.Conv2d(3, 8, 3)',
        '        self.bn = nn.BatchNorm2d(8)',
        '        self.head = nn.Linear(8, 2)',
        '    def forward(self, x):',
        '        y = self.conv(x)',
        '        def norm(t, scale=1):',
        '            y = self.bn(t)',
        '            if scale > 1:',
        '                return norm(y)',
        '            return y',
        '        z = norm(scale=2, t=y)',
        '        return self.head(y + z)',
      ),
    );
    // `y` after the call is still the conv's output: the function's `y` is its own.
    assert.deepStrictEqual(cls(ir, 'Net').forward?.steps.map((s) => `${s.target}<${s.inputs.join(',')}`), ['conv<-1', 'bn<0', 'norm<1', 'add<0,2,1', 'head<3']);
  });
});

describe('Python front end: what these readings depend on, after edits', () => {
  it('an open document follows edits of a small helper, of a property, of an inner forward function and of a config', () => {
    const text = src(
      ...MM_HEADER,
      'def _make_divisible(v, divisor, min_value=None):',
      '    if min_value is None:',
      '        min_value = divisor',
      '    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)',
      '    if new_v < 0.9 * v:',
      '        new_v += divisor',
      '    return new_v',
      'class Block(BaseModule):',
      "    def __init__(self, c=30, norm_cfg=dict(type='BN')):",
      '        super().__init__()',
      '        self.conv = nn.Conv2d(3, _make_divisible(c, 8), 3)',
      '        self.norm1_name, norm1 = build_norm_layer(norm_cfg, _make_divisible(c, 8), postfix=1)',
      '        self.add_module(self.norm1_name, norm1)',
      '    @property',
      '    def norm1(self):',
      '        return getattr(self, self.norm1_name)',
      '    def forward(self, x):',
      '        def _inner(x):',
      '            return self.norm1(self.conv(x))',
      '        return _inner(x)',
    );
    assertEditsMatchFresh(text, [
      ['        new_v += divisor', '        new_v += 2 * divisor'],
      ['    if new_v < 0.9 * v:', '    if new_v < 1.2 * v:'],
      ["norm_cfg=dict(type='BN')", "norm_cfg=dict(type='GN', num_groups=4)"],
      ['postfix=1', "postfix='_a'"],
      ['        return getattr(self, self.norm1_name)', '        return self.conv'],
      ['            return self.norm1(self.conv(x))', '            return self.conv(x)'],
      ['        return _inner(x)', '        return x'],
    ]);
  });
});
