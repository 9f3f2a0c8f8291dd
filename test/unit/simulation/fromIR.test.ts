import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { inferShapes } from '../../../src/simulation/shapes';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const read = (...p: string[]): string => fs.readFileSync(path.join(ROOT, ...p), 'utf8');

describe('model IR -> runnable network', () => {
  it('follows the forward pass through Sequential, a model class used as a layer and a residual', () => {
    const found = networksFromSource(read('test', 'fixtures', 'simulate', 'mlp.py'));
    assert.strictEqual(found.root, 'DeepMLP');
    const model = found.models.find((m) => m.name === 'DeepMLP')!;
    const spec = model.spec!;
    assert.deepStrictEqual(spec.inputShape, [32]);
    assert.deepStrictEqual(
      spec.layers.map((l) => `${l.name}:${l.kind}`),
      [
        'body.0:Linear', 'body.1:BatchNorm1d', 'body.2:ReLU', 'body.3:Linear', 'body.4:BatchNorm1d', 'body.5:ReLU', 'body.6:Linear', 'body.7:BatchNorm1d', 'body.8:ReLU',
        'block.add.shortcut:identity', 'block.fc:Linear', 'block.norm:BatchNorm1d', 'block.add:+', 'block.relu:F.relu', 'drop:Dropout', 'head:Linear',
      ],
    );
    assert.deepStrictEqual(inferShapes(spec.inputShape, spec.layers).at(-1), [10]);
    const drop = spec.layers.find((l) => l.name === 'drop')!.layer;
    assert.deepStrictEqual(drop, { op: 'dropout', p: 0.2 });
    // `Block(WIDTH)` fixes Block's `width`: the instance's sizes come from the call, with nothing to assume.
    assert.deepStrictEqual(spec.layers.find((l) => l.name === 'block.fc')!.layer, { op: 'linear', inFeatures: 64, outFeatures: 64, bias: true });
    assert.ok(!spec.assumptions.some((a) => a.startsWith('block.')), spec.assumptions.join('\n'));
    assert.ok(model.span && model.span.start.line === 23);
  });

  it("sizes a block from its constructor call's arguments, and assumes only where they do not resolve", () => {
    const found = networksFromSource(read('test', 'fixtures', 'simulate', 'block_widths.py'));
    const spec = found.models.find((m) => m.name === 'SmallResNet')!.spec!;
    const conv = (name: string) => {
      const l = spec.layers.find((x) => x.name === name)!.layer;
      assert.ok(l.op === 'conv2d', name);
      return `${l.inChannels}->${l.outChannels}/${l.stride}`;
    };
    assert.deepStrictEqual(['layer1.conv1', 'layer2.conv1', 'layer2.conv2', 'layer2.shortcut.0'].map(conv), ['16->16/1', '16->32/2', '32->32/1', '16->32/2']);
    // BasicBlock(16, 16): `stride != 1 or in_planes != planes` is false for this instance, so no projection shortcut.
    assert.ok(!spec.layers.some((l) => l.name.startsWith('layer1.shortcut.0')));
    const norms = spec.layers.filter((l) => l.layer.op === 'norm' && l.name.startsWith('layer2.')).map((l) => (l.layer.op === 'norm' ? l.layer.features : 0));
    assert.deepStrictEqual(norms, [32, 32, 32]);
    // No note for the blocks whose widths the call fixes; the notes stay for `BasicBlock(32, head_width, ...)`.
    assert.ok(!spec.assumptions.some((a) => /^layer[12]\./.test(a)), spec.assumptions.join('\n'));
    assert.ok(spec.assumptions.some((a) => /^layer3\.conv1 \(Conv2d\): out_channels did not resolve \(`head_width`/.test(a)), spec.assumptions.join('\n'));
    assert.ok(spec.assumptions.some((a) => /^layer3\.bn1 \(BatchNorm2d\): num_features taken from the activation/.test(a)), spec.assumptions.join('\n'));
    // The block class simulated on its own still says what it assumed.
    const block = found.models.find((m) => m.name === 'BasicBlock')!.spec!;
    assert.ok(block.assumptions.some((a) => /^conv1 \(Conv2d\): out_channels did not resolve \(`planes`/.test(a)), block.assumptions.join('\n'));
  });

  it('falls back to sizes from the activation when what reaches a block does not fit its call, and says so', () => {
    const spec = networksFromSource(read('test', 'fixtures', 'simulate', 'block_mismatch.py')).models.find((m) => m.name === 'Net')!.spec!;
    assert.ok(spec.assumptions.some((a) => /^block \(Block\): the sizes its constructor call gives do not fit what reaches it \(block\.add: cannot add/.test(a)), spec.assumptions.join('\n'));
    // Laid out once (the failed attempt leaves nothing behind), from the 8 channels that reach it.
    assert.deepStrictEqual(spec.layers.filter((l) => l.name === 'block.conv').map((l) => (l.layer.op === 'conv2d' ? `${l.layer.inChannels}->${l.layer.outChannels}` : '')), ['8->8']);
    assert.ok(!spec.assumptions.some((a) => /in_channels=16/.test(a)), spec.assumptions.join('\n'));
  });

  it('takes unresolved sizes from the activation and says so (torchvision BasicBlock)', () => {
    const found = networksFromSource(read('examples', 'resnet_basic_block.py'));
    const spec = found.models[0].spec!;
    assert.deepStrictEqual(spec.inputShape, [32, 8, 8]);
    assert.deepStrictEqual(spec.layers.map((l) => l.name), ['add.shortcut', 'conv1', 'bn1', 'relu', 'conv2', 'bn2', 'add', 'relu']);
    assert.ok(spec.assumptions.some((a) => /downsample .*left out/.test(a)));
    assert.ok(spec.assumptions.some((a) => /in_channels did not resolve \(`inplanes`/.test(a)));
  });

  it('takes the input size asked for when the code does not say it (an image side, a sequence length); keeps a size the code states; refuses one the network does not fit', () => {
    const cnn = 'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
      '        self.conv = nn.Conv2d(3, 8, 3, padding=1)\n        self.bn = nn.BatchNorm2d(8)\n    def forward(self, x):\n        return self.bn(self.conv(x))\n';
    const spec = networksFromSource(cnn, 32).models[0].spec!;
    assert.deepStrictEqual(spec.inputShape, [3, 32, 32]);
    assert.ok(spec.assumptions.includes('input: images of 3 channels, 32×32 (the size is not in the code; the size asked for) — from conv (Conv2d)'), spec.assumptions.join('\n'));
    assert.deepStrictEqual(networksFromSource(cnn).models[0].spec!.inputShape, [3, 8, 8]);
    const audio = 'import torch.nn as nn\nclass M5(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
      '        self.conv = nn.Conv1d(1, 32, kernel_size=80, stride=16)\n    def forward(self, x):\n        return self.conv(x)\n';
    assert.deepStrictEqual(networksFromSource(audio, 400).models[0].spec!.inputShape, [1, 400]);
    const tooSmall = networksFromSource(audio, 64).models[0];
    assert.strictEqual(tooSmall.spec, undefined);
    assert.strictEqual(tooSmall.reason, 'conv (Conv1d): an input of length 64 is shorter than the kernel (80) (with the input size 64 asked for)');
    const keras = networksFromSource(
      'import keras\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n' +
        '        self.conv = keras.layers.Conv2D(8, 3, input_shape=(12, 12, 3))\n    def call(self, x):\n        return self.conv(x)\n',
      64,
    ).models[0].spec!;
    assert.deepStrictEqual(keras.inputShape, [3, 12, 12]);
  });

  it('takes the smallest input size the network fits when the code does not say it (a patch embedding, a raw-audio Conv1d), and says why', () => {
    const patches = networksFromSource(
      'import torch.nn as nn\nclass PatchNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
        '        self.embed = nn.Conv2d(3, 64, kernel_size=16, stride=16)\n        self.bn = nn.BatchNorm2d(64)\n' +
        '    def forward(self, x):\n        return self.bn(self.embed(x))\n',
    ).models[0].spec!;
    assert.deepStrictEqual(patches.inputShape, [3, 16, 16]);
    assert.deepStrictEqual(inferShapes(patches.inputShape, patches.layers).at(-1), [64, 1, 1]);
    const said = patches.assumptions.join('\n');
    assert.ok(said.includes('input: images of 3 channels, 16×16 (the size is not in the code; a smaller input did not fit: embed (Conv2d): a 8×8 input is smaller than the 16×16 kernel) — from embed (Conv2d)'), said);
    // Once: the failed attempt's notes are not kept.
    assert.strictEqual(patches.assumptions.filter((a) => a.startsWith('input:')).length, 1, said);
    const audio = networksFromSource(
      'import torch.nn as nn\nclass M5(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
        '        self.conv = nn.Conv1d(1, 32, kernel_size=80, stride=16)\n        self.bn = nn.BatchNorm1d(32)\n' +
        '    def forward(self, x):\n        return self.bn(self.conv(x))\n',
    ).models[0].spec!;
    assert.deepStrictEqual(audio.inputShape, [1, 128]);
    assert.ok(audio.assumptions.some((a) => a.includes('length 128 (the length is not in the code; a smaller input did not fit: conv (Conv1d): an input of length 64 is shorter than the kernel (80))')), audio.assumptions.join('\n'));
    // A size the code states is kept, and a kernel larger than it is refused.
    const keras = networksFromSource(
      'import keras\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n' +
        '        self.conv = keras.layers.Conv2D(8, 16, input_shape=(8, 8, 3))\n    def call(self, x):\n        return self.conv(x)\n',
    ).models[0];
    assert.strictEqual(keras.spec, undefined);
    assert.match(keras.reason ?? '', /a 8×8 input is smaller than the 16×16 kernel/);
    const stated = networksFromSource(
      'import keras\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n' +
        '        self.conv = keras.layers.Conv2D(8, 3, input_shape=(8, 8, 3))\n    def call(self, x):\n        return self.conv(x)\n',
    ).models[0].spec!;
    assert.ok(stated.assumptions.includes('input: images of 3 channels, 8×8 — from conv (Conv2D)'), stated.assumptions.join('\n'));
  });

  it("follows the forward pass into the class's own methods (timm's forward_features / forward_head, torchvision's _forward_impl)", () => {
    const spec = networksFromSource(
      [
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.stem = nn.Conv2d(3, 16, 3, padding=1)',
        '        self.bn = nn.BatchNorm2d(16)',
        '        self.pool = nn.AdaptiveAvgPool2d(1)',
        '        self.fc = nn.Linear(16, 10)',
        '    def forward_features(self, x):',
        '        x = self.bn(self.stem(x))',
        '        return x.relu()',
        '    def forward_head(self, x):',
        '        x = self.pool(x).flatten(1)',
        '        return self.fc(x)',
        '    def _forward_impl(self, x):',
        '        x = self.forward_features(x)',
        '        return self.forward_head(x)',
        '    def forward(self, x):',
        '        return self._forward_impl(x)',
        '',
      ].join('\n'),
    ).models[0].spec!;
    assert.deepStrictEqual(spec.layers.map((l) => `${l.name}:${l.kind}`), ['stem:Conv2d', 'bn:BatchNorm2d', 'relu:F.relu', 'pool:AdaptiveAvgPool2d', 'flatten:flatten', 'fc:Linear']);
    assert.deepStrictEqual(inferShapes(spec.inputShape, spec.layers).at(-1), [10]);
  });

  it('walks a method that calls itself without recursing for ever, and says it left the recursive call out', () => {
    const spec = networksFromSource(
      [
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.fc = nn.Linear(8, 8)',
        '        self.bn = nn.BatchNorm1d(8)',
        '    def step(self, x, n):',
        '        x = self.bn(self.fc(x))',
        '        if n > 0:',
        '            x = self.step(x, n - 1)',
        '        return x',
        '    def forward(self, x):',
        '        return self.step(x, 3)',
        '',
      ].join('\n'),
    ).models[0].spec!;
    assert.ok(spec.assumptions.some((a) => /^Net\.step, line \d+: self\.step\(…\) calls itself again; the recursive call was left out$/.test(a)), spec.assumptions.join('\n'));
    assert.deepStrictEqual(inferShapes(spec.inputShape, spec.layers).at(-1), [8]);
  });

  it("simulates a ConvNeXt block: its permutes to channels-last and back, LayerNorm and Linear over the channels, and the file's channels_first LayerNorm", () => {
    const found = networksFromSource(read('test', 'fixtures', 'models', 'convnext.py'));
    const model = found.models.find((m) => m.name === 'ConvNeXt')!;
    assert.ok(model.spec, model.reason);
    const spec = model.spec;
    const show = (l: (typeof spec.layers)[number]): string => (l.layer.op === 'permute' ? `${l.name} permute[${l.layer.order.join(',')}]` : l.layer.op === 'norm' ? `${l.name} ${l.layer.norm}(${l.layer.features})` : `${l.name} ${l.layer.op}`);
    assert.deepStrictEqual(spec.layers.slice(0, 14).map(show), [
      'downsample_layers.0.0 conv2d',
      // The file's LayerNorm class with data_format='channels_first': over the channels at each position.
      'downsample_layers.0.1.channels_last permute[1,2,0]',
      'downsample_layers.0.1 layer(96)',
      'downsample_layers.0.1.channels_first permute[2,0,1]',
      'stages.0.0.add.shortcut save',
      'stages.0.0.dwconv conv2d',
      'stages.0.0.permute permute[1,2,0]',
      'stages.0.0.norm layer(96)',
      'stages.0.0.pwconv1 linear',
      'stages.0.0.act activation',
      'stages.0.0.pwconv2 linear',
      'stages.0.0.permute permute[2,0,1]',
      'stages.0.0.add add',
      'stages.0.1.add.shortcut save',
    ]);
    const shapes = inferShapes(spec.inputShape, spec.layers);
    // [C, H, W] -> [H, W, C] around the block's LayerNorm and Linear layers; the head pools the spatial axes (`x.mean([-2, -1])`).
    assert.deepStrictEqual(shapes[7], [8, 8, 96]);
    assert.deepStrictEqual(shapes.at(-1), [1000]);
    assert.ok(spec.assumptions.some((a) => /LayerNorm, a LayerNorm class of this file, with data_format='channels_first'/.test(a)), spec.assumptions.join('\n'));
    assert.ok(!spec.assumptions.some((a) => /(mean|layer_norm)\(…\) was left out/.test(a)), spec.assumptions.join('\n'));
  });

  it('refuses an axis reordering whose order does not resolve, or that moves the batch axis', () => {
    const model = (call: string) =>
      networksFromSource(
        'import torch.nn as nn\n' +
          'class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.norm = nn.LayerNorm(16)\n' +
          `    def forward(self, x, order=None):\n        return self.norm(${call})\n`,
      ).models[0];
    assert.match(model('self.conv(x).permute(*order)')?.reason ?? '', /permute\(…\) reorders the axes of the 4-D activation in an order that did not resolve \(or moves the batch axis\)/);
    assert.match(model('self.conv(x).permute(1, 0, 2, 3)')?.reason ?? '', /moves the batch axis/);
    const ok = model('self.conv(x).permute(0, 2, 3, 1)');
    assert.ok(ok?.spec, ok?.reason);
    const swapped = model('self.conv(x).transpose(1, -1)');
    assert.ok(swapped?.spec, swapped?.reason);
    assert.deepStrictEqual(swapped.spec.layers.map((l) => (l.layer.op === 'permute' ? l.layer.order : l.layer.op)), ['conv2d', [2, 1, 0], 'norm']);
    // `movedim(1, -1)`: the channels moved last, the spatial axes keep their order (as permute(0, 2, 3, 1)).
    const moved = model('self.conv(x).movedim(1, -1)');
    assert.ok(moved?.spec, moved?.reason);
    assert.deepStrictEqual(moved.spec.layers.map((l) => (l.layer.op === 'permute' ? l.layer.order : l.layer.op)), ['conv2d', [1, 2, 0], 'norm']);
    assert.match(model('self.conv(x).movedim(0, -1)')?.reason ?? '', /moves the batch axis/);
    const swappedAxes = model('self.conv(x).swapaxes(1, 3)');
    assert.ok(swappedAxes?.spec, swappedAxes?.reason);
    assert.deepStrictEqual(swappedAxes.spec.layers.map((l) => (l.layer.op === 'permute' ? l.layer.order : l.layer.op)), ['conv2d', [2, 1, 0], 'norm']);
  });

  it("says so when a residual adds a forward's input whose shape it never learned (timm's CaiT class-attention block), instead of a shape mismatch of []", () => {
    const model = networksFromSource(
      [
        'import torch',
        'import torch.nn as nn',
        'class ClassAttnBlock(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.norm = nn.LayerNorm(64)',
        '        self.fc = nn.Linear(64, 64)',
        '    def forward(self, x, x_cls):',
        '        u = torch.cat((x_cls, x), dim=1)',
        '        return x_cls + self.fc(self.norm(u))',
        '',
      ].join('\n'),
    ).models[0];
    assert.strictEqual(model.spec, undefined);
    assert.strictEqual(model.reason, "add: one operand of + is an activation whose shape the simulator does not know (a forward's input, read before any layer says its shape)");
  });

  it('refuses what PyTorch would refuse, with the layer named', () => {
    const found = networksFromSource(read('examples', 'segmentation_head.py'));
    const head = found.models.find((m) => m.name === 'SegmentationHead')!;
    assert.strictEqual(head.spec, undefined);
    assert.match(head.reason!, /block2\.1 \(GroupNorm\): num_channels=100 is not divisible by num_groups=32/);
  });

  it("simulates timm's norms that compute as PyTorch's do, and refuses those the engine does not compute (norm with activation)", () => {
    const model = (norm: string) =>
      networksFromSource(
        'import torch.nn as nn\nfrom timm.layers import GroupNorm, LayerNorm2d, BatchNormAct2d\n' +
          `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.norm = ${norm}\n` +
          '    def forward(self, x):\n        return self.norm(self.conv(x))\n',
      ).models[0];
    const gn = model('GroupNorm(16, 4)');
    assert.ok(gn?.spec, gn?.reason);
    assert.deepStrictEqual(gn.spec.layers.map((l) => (l.layer.op === 'norm' ? [l.name, l.layer.norm, l.layer.groups, l.layer.features] : l.name)), ['conv', ['norm', 'group', 4, 16]]);
    // LayerNorm2d: over the channels at each position (permuted to channels-last and back, as timm computes it).
    const ln2d = model('LayerNorm2d(16)');
    assert.ok(ln2d?.spec, ln2d?.reason);
    assert.deepStrictEqual(ln2d.spec.layers.map((l) => (l.layer.op === 'permute' ? `${l.name}[${l.layer.order.join(',')}]` : l.layer.op === 'norm' ? `${l.name}:${l.layer.norm}(${l.layer.features})` : l.name)), ['conv', 'norm.channels_last[1,2,0]', 'norm:layer(16)', 'norm.channels_first[2,0,1]']);
    assert.match(model('LayerNorm2d(8)')?.reason ?? '', /norm \(LayerNorm2d\) expects 8 channels but receives \[16, 6, 6\]/);
    assert.strictEqual(model('BatchNormAct2d(16)')?.reason, "norm (BatchNormAct2d): timm's BatchNormAct2d applies an activation after the norm; not simulated");
  });

  it('says why a file has nothing to simulate, and never throws on broken code', () => {
    assert.match(networksFromSource('x = 1\n').reason!, /no model class/);
    const broken = networksFromSource('class Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(4,\n');
    assert.ok(Array.isArray(broken.models));
    const keras = networksFromSource('import keras\nclass M(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.d = keras.layers.Dense(4)\n        self.lstm = keras.layers.LSTM(4)\n    def call(self, x):\n        return self.lstm(self.d(x))\n');
    assert.match(keras.models[0]?.reason ?? '', /lstm \(LSTM\): recurrent layers are not simulated/);
  });
});
