import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { allLayers, type Layer, type ModelClass, type ModelIR } from '../../../src/ir/model';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { assertEditsMatchFresh } from '../helpers/incremental';

/**
 * Instances of the file's model classes walked with their constructor arguments bound: `self.x`
 * set by the constructor (and the methods it calls) is read as Python runs it, layers held in
 * locals are passed to the instance, and a factory function returning an instance is a model.
 */

const resnetText = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'torchvision_resnet.py'), 'utf8');
const src = (...lines: string[]): string => lines.join('\n');

function cls(ir: ModelIR, name: string): ModelClass {
  const c = ir.classes.find((k) => k.name === name);
  assert.ok(c, `${name} in ${ir.classes.map((k) => k.name).join(', ')}`);
  return c;
}

function instanceLayer(layers: readonly Layer[], dotted: string): Layer | undefined {
  const [head, ...rest] = dotted.split('/');
  const l = allLayers(layers).find((x) => x.path === head);
  if (!l || rest.length === 0) return l;
  return instanceLayer(l.instanceLayers ?? [], rest.join('/'));
}

const intArg = (l: Layer | undefined, name: string): number | undefined => {
  const v = l?.call?.args.find((a) => a.name === name)?.value;
  return v?.kind === 'number' ? v.value : undefined;
};

describe('Python front end: instances walked with their arguments', () => {
  it('reads self.x as the constructor last set it, across the helper methods it calls (torchvision ResNet: self.inplanes)', () => {
    const ir = parsePythonModel(resnetText);
    const root = cls(ir, 'resnet18').layers[0];
    assert.strictEqual(root.path, '');
    assert.strictEqual(root.moduleClass, 'ResNet');
    // `self.inplanes` is 64, then each `_make_layer` sets it to planes * block.expansion for the next.
    const inplanes = (block: string) => instanceLayer(root.instanceLayers ?? [], block)?.constructorArguments?.find((a) => a.name === 'inplanes')?.value;
    assert.deepStrictEqual(['layer1.0', 'layer2.0', 'layer2.1', 'layer4.0'].map((b) => { const v = inplanes(b); return v?.kind === 'number' ? v.value : v?.kind; }), [64, 64, 128, 256]);
    assert.strictEqual(intArg(instanceLayer(root.instanceLayers ?? [], 'layer2.0/conv1'), 'in_channels'), 64);
    assert.strictEqual(intArg(instanceLayer(root.instanceLayers ?? [], 'layer2.0/conv1'), 'out_channels'), 128);
    // The norm layer None by default, replaced in ResNet.__init__, reaches the blocks through self._norm_layer.
    assert.strictEqual(instanceLayer(root.instanceLayers ?? [], 'layer3.1/bn2')?.kind, 'BatchNorm2d');
  });

  it('passes a layer built in a local to the instance (downsample), only where the condition that builds it holds', () => {
    const ir = parsePythonModel(resnetText);
    const layers = cls(ir, 'resnet18').layers[0].instanceLayers ?? [];
    assert.strictEqual(instanceLayer(layers, 'layer1.0/downsample'), undefined);
    const down = instanceLayer(layers, 'layer2.0/downsample');
    assert.strictEqual(down?.kind, 'Sequential');
    assert.deepStrictEqual(down?.elements?.map((e) => e.kind), ['Conv2d', 'BatchNorm2d']);
    assert.strictEqual(intArg(down?.elements?.[0], 'out_channels'), 128);
    assert.strictEqual(intArg(down?.elements?.[0], 'stride'), 2);
    // Bottleneck expands by 4: the first block of layer1 already needs a projection.
    const r50 = cls(ir, 'resnet50').layers[0].instanceLayers ?? [];
    assert.strictEqual(intArg(instanceLayer(r50, 'layer1.0/downsample')?.elements?.[0], 'out_channels'), 256);
  });

  it('reads a parameter assigned again under a condition its arguments decide (gcvit: `if downsample: dim = dim * 2`)', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Stage(nn.Module):',
        '    def __init__(self, dim, downsample=True, flag=None, mode="a"):',
        '        super().__init__()',
        '        if downsample:',
        '            dim = dim * 2',
        '        if mode == "b":',
        '            dim = dim + 1',
        '        elif mode == "c":',
        '            dim = dim + 2',
        '        else:',
        '            dim = dim + 3',
        '        self.norm = nn.BatchNorm2d(dim)',
        '        if flag:',
        '            dim = dim + 1',
        '        self.post = nn.BatchNorm2d(dim)',
        'class Net(nn.Module):',
        '    def __init__(self, flag):',
        '        super().__init__()',
        '        self.a = Stage(64)',
        '        self.b = Stage(64, downsample=False, mode="c")',
        '        self.c = Stage(64, flag=flag, mode="b")',
        '',
      ),
    );
    const net = cls(ir, 'Net');
    const features = (path: string) => {
      const v = instanceLayer(net.layers, path)?.call?.args.find((a) => a.name === 'num_features')?.value;
      return v?.kind === 'number' ? v.value : v?.kind;
    };
    assert.deepStrictEqual(['a/norm', 'b/norm', 'c/norm', 'a/post', 'c/post'].map(features), [131, 66, 129, 131, 'unknown']);
  });

  it('unrolls a loop under bound arguments iteration by iteration, each reading what the one before left (`in_chs = out_chs`, a flag flipped per block)', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Stage(nn.Module):',
        '    def __init__(self, in_chs, out_chs, depth=3, stop=False):',
        '        super().__init__()',
        '        blocks = []',
        '        use_se = True',
        '        for i in range(depth):',
        '            blocks.append(nn.Conv2d(in_chs, out_chs, 3))',
        '            blocks.append(nn.Identity() if use_se else nn.ReLU())',
        '            in_chs = out_chs',
        '            use_se = not use_se',
        '        self.blocks = nn.Sequential(*blocks)',
        '        self.post = nn.BatchNorm2d(in_chs)',
        '        later = []',
        '        for i in range(depth):',
        '            later.append(nn.Conv2d(in_chs, out_chs, 1))',
        '            if stop:',
        '                break',
        '            in_chs = in_chs + 1',
        '        self.later = nn.Sequential(*later)',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.s = Stage(16, 32)',
        '',
      ),
    );
    const s = allLayers(cls(ir, 'Net').layers).find((l) => l.path === 's');
    const inner = allLayers(s?.instanceLayers ?? []);
    const show = (l: Layer) => `${l.path}:${l.kind}(${(l.call?.args ?? []).slice(0, 1).map((a) => (a.value.kind === 'number' ? a.value.value : '?')).join(',')})${l.alternatives ? '|alt' : ''}`;
    assert.deepStrictEqual(inner.filter((l) => l.path.startsWith('blocks.')).map(show), ['blocks.0:Conv2d(16)', 'blocks.1:Identity()', 'blocks.2:Conv2d(32)', 'blocks.3:ReLU()', 'blocks.4:Conv2d(32)', 'blocks.5:Identity()']);
    assert.strictEqual(intArg(inner.find((l) => l.path === 'post'), 'num_features'), 32);
    // A loop that can break early is not unrolled with its values carried: what it assigns is unknown in it.
    assert.deepStrictEqual(inner.filter((l) => l.path.startsWith('later.')).map(show), ['later.0:Conv2d(?)', 'later.1:Conv2d(?)', 'later.2:Conv2d(?)']);
  });

  it('builds a VGG-style feature list from its config, each conv reading the width the previous one left', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        "cfg = [64, 'M', 128, 'M']",
        'def make_layers(cfg, batch_norm=False):',
        '    layers = []',
        '    in_channels = 3',
        '    for v in cfg:',
        "        if v == 'M':",
        '            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]',
        '        else:',
        '            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)',
        '            if batch_norm:',
        '                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]',
        '            else:',
        '                layers += [conv2d, nn.ReLU(inplace=True)]',
        '            in_channels = v',
        '    return nn.Sequential(*layers)',
        'class VGG(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.features = make_layers(cfg, batch_norm=True)',
        '',
      ),
    );
    const features = cls(ir, 'VGG').layers.find((l) => l.path === 'features');
    const show = (l: Layer) => `${l.kind}(${(l.call?.args ?? []).slice(0, 2).map((a) => (a.value.kind === 'number' ? a.value.value : '?')).join(',')})`;
    assert.deepStrictEqual((features?.elements ?? []).map(show), ['Conv2d(3,64)', 'BatchNorm2d(64)', 'ReLU(?)', 'MaxPool2d(2,2)', 'Conv2d(64,128)', 'BatchNorm2d(128)', 'ReLU(?)', 'MaxPool2d(2,2)']);
  });

  it('takes no layer from list elements that are plain values (`[math.ceil(ps / stride) for ps in patch_size]`, a list of names)', () => {
    const ir = parsePythonModel(
      src(
        'import math',
        'import torch.nn as nn',
        'from timm.layers import to_2tuple',
        'class PixelEmbed(nn.Module):',
        '    def __init__(self, patch_size=16, stride=4):',
        '        super().__init__()',
        '        patch_size = to_2tuple(patch_size)',
        '        new_patch_size = [math.ceil(ps / stride) for ps in patch_size]',
        '        self.new_patch_size = new_patch_size',
        "        self.names = ['a', 'b']",
        '        self.blocks = nn.ModuleList([nn.Linear(4, 4), make_block()])',
        '',
      ),
    );
    const layers = allLayers(cls(ir, 'PixelEmbed').layers).map((l) => `${l.path}:${l.kind}`);
    assert.ok(!layers.some((l) => l.startsWith('new_patch_size[') || l.startsWith('names[')), layers.join(', '));
    // An element whose value is not known may still be a layer: kept, of unknown kind.
    assert.ok(layers.includes('blocks[1]:?'), layers.join(', '));
  });

  it('reads flags a constructor stores on self (use_act=False builds the Identity branch)', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class ConvBNAct(nn.Module):',
        '    def __init__(self, c, use_act=True):',
        '        super().__init__()',
        '        self.use_act = use_act',
        '        self.conv = nn.Conv2d(c, c, 3)',
        '        self.units = c * 2',
        '        self.bn = nn.BatchNorm2d(self.units)',
        '        self.extra = None',
        '        if self.use_act:',
        '            self.extra = nn.ReLU()',
        '        if self.extra is not None:',
        '            self.post = nn.Identity()',
        '        if self.use_act:',
        '            self.act = nn.ReLU()',
        '        else:',
        '            self.act = nn.Identity()',
        '    def forward(self, x):',
        '        return self.act(self.bn(self.conv(x)))',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.a = ConvBNAct(8, use_act=False)',
        '        self.b = ConvBNAct(16)',
        '    def forward(self, x):',
        '        return self.b(self.a(x))',
        '',
      ),
    );
    const net = cls(ir, 'Net');
    assert.strictEqual(instanceLayer(net.layers, 'a/act')?.kind, 'Identity');
    assert.strictEqual(instanceLayer(net.layers, 'a/act')?.alternatives, undefined);
    assert.strictEqual(instanceLayer(net.layers, 'b/act')?.kind, 'ReLU');
    assert.strictEqual(intArg(instanceLayer(net.layers, 'a/bn'), 'num_features'), 16);
    // `self.extra = None`, then a layer under the flag: the None no longer holds after it.
    assert.strictEqual(instanceLayer(net.layers, 'a/post'), undefined);
    assert.ok(instanceLayer(net.layers, 'b/post'), 'b: self.extra is a layer, not the None set before it');
    // The class itself, walked without arguments, still holds both alternatives.
    assert.strictEqual(cls(ir, 'ConvBNAct').layers.find((l) => l.path === 'act')?.alternatives?.length, 1);
  });

  it('walks a block again for a shallower call than the one it was first walked for (nested instances stop at a depth limit)', () => {
    // `Model` reaches `Mid(W)` inside `Top`, where `Leaf` is past the limit; the module-level
    // `mid = Mid(W)` (same arguments, same origin) is one level deep and walks `Leaf` too.
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'W = 8',
        'class Leaf(nn.Module):',
        '    def __init__(self, w):',
        '        super().__init__()',
        '        self.fc = nn.Linear(w, w)',
        'class Mid(nn.Module):',
        '    def __init__(self, w):',
        '        super().__init__()',
        '        self.leaf = Leaf(w)',
        'class Top(nn.Module):',
        '    def __init__(self, w):',
        '        super().__init__()',
        '        self.mid = Mid(w)',
        'class Model(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.top = Top(W)',
        'mid = Mid(W)',
      ),
    );
    assert.ok(instanceLayer(cls(ir, 'Model').layers, 'top/mid'));
    assert.strictEqual(instanceLayer(cls(ir, 'Model').layers, 'top/mid/leaf')?.instanceLayers, undefined);
    const fc = instanceLayer(cls(ir, 'mid').layers[0]?.instanceLayers ?? [], 'leaf/fc');
    assert.strictEqual(fc?.kind, 'Linear');
  });

  it('makes a factory returning an instance a model (with **kwargs passing nothing), not one returning either of two layers', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Block(nn.Module):',
        '    def __init__(self, c, norm_layer=None):',
        '        super().__init__()',
        '        if norm_layer is None:',
        '            norm_layer = nn.BatchNorm2d',
        '        self.conv = nn.Conv2d(c, c, 3)',
        '        self.norm = norm_layer(c)',
        '    def forward(self, x):',
        '        return self.norm(self.conv(x))',
        'def _block(c, **kwargs):',
        '    model = Block(c, **kwargs)',
        '    return model',
        'def block32(**kwargs):',
        '    return _block(32, **kwargs)',
        'def wide(**kwargs):',
        "    kwargs['c'] = 64",
        '    return Block(16, **kwargs)',
        'def _passing(c, **kwargs):',
        "    kwargs['norm_layer'] = nn.GroupNorm",
        '    return Block(c, **kwargs)',
        'def passing16(**kwargs):',
        '    return _passing(16, **kwargs)',
        'def maybe(c, wrap):',
        '    net = nn.Conv2d(c, c, 1)',
        '    if wrap:',
        '        net = Block(c)',
        '    return net',
        '',
      ),
    );
    const model = cls(ir, 'block32');
    assert.strictEqual(model.layers.length, 1);
    assert.strictEqual(model.layers[0].moduleClass, 'Block');
    assert.strictEqual(instanceLayer(model.layers[0].instanceLayers ?? [], 'norm')?.kind, 'BatchNorm2d');
    assert.strictEqual(intArg(instanceLayer(model.layers[0].instanceLayers ?? [], 'conv'), 'in_channels'), 32);
    assert.ok(!ir.classes.some((c) => c.name === 'maybe'), 'a function returning one of two layers is not a model');
    // A factory that fills in its **kwargs (torchvision's resnext50_32x4d) passes what is not followed: not a model.
    assert.ok(!ir.classes.some((c) => c.name === 'wide'), 'a factory changing its **kwargs is not a model');
    // A helper that fills them in passes more than nothing: the norm it may pass is not known, not
    // the class's `if norm_layer is None` fallback.
    const passing = cls(ir, 'passing16').layers[0];
    assert.strictEqual(passing.constructorArguments?.find((a) => a.name === 'norm_layer')?.source, 'unknown');
    assert.strictEqual(instanceLayer(passing.instanceLayers ?? [], 'norm')?.kind, '?');
    assert.ok(!ir.classes.some((c) => c.name === '_block'), 'a factory whose arguments do not resolve builds no instance layers');
  });

  it('simulates torchvision resnet18 with its own module names and sizes', function () {
    this.timeout(30000);
    const found = networksFromSource(resnetText);
    const entry = found.models.find((m) => m.name === 'resnet18');
    assert.ok(entry?.spec, entry?.reason);
    const spec = entry.spec;
    const byName = new Map(spec.layers.map((l) => [l.name, l]));
    for (const name of ['conv1', 'layer1.0.bn2', 'layer2.0.downsample.0', 'layer2.0.downsample.1', 'layer4.1.bn2', 'fc']) assert.ok(byName.has(name), `${name} in ${spec.layers.map((l) => l.name).join(', ')}`);
    assert.ok(!byName.has('layer1.0.downsample.0'));
    const bn = byName.get('layer4.1.bn2')?.layer;
    assert.strictEqual(bn?.op === 'norm' ? bn.features : undefined, 512);
    assert.ok(!spec.assumptions.some((a) => /do not fit|did not resolve/.test(a)), spec.assumptions.join('\n'));
  });

  it('re-analyses edits of the factory and the classes it builds as a fresh analysis does', () => {
    assertEditsMatchFresh(resnetText, [
      ['return ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)', 'return ResNet(BasicBlock, [1, 1, 1, 1], **kwargs)'],
      ['self.inplanes = planes * block.expansion', 'self.inplanes = planes * 2'],
      ['self.inplanes = 64', 'self.inplanes = 32'],
    ]);
  });
});
