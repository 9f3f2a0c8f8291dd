import * as assert from 'assert';
import { argument, numberValue, paramValue, type Layer, type ModelIR } from '../../../src/ir/model';
import { describeProvenance, lineWhere } from '../../../src/ir/values';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { lintPython } from '../../../src/lint/lint';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';
import { networksFromSource } from '../../../src/simulation/fromIR';

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

describe('Python front end: setattr and add_module with computed names', () => {
  it('names the layers when the loop values resolve, and follows getattr(self, name) in forward', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'WIDTHS = [16, 32]',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        for i, w in enumerate(WIDTHS):',
        "            setattr(self, f'conv{i}', nn.Conv2d(3 if i == 0 else WIDTHS[i - 1], w, 3, bias=False))",
        "            name = 'bn%d' % i",
        '            self.add_module(name, nn.BatchNorm2d(w))',
        '        self.body = nn.Sequential()',
        '        for k in range(2):',
        "            self.body.add_module('fc{}'.format(k), nn.Linear(8, 8))",
        '    def forward(self, x):',
        "        x = getattr(self, 'bn0')(getattr(self, 'conv0')(x))",
        '        return self.body(x)',
      ),
    );
    const net = cls(ir, 'Net');
    assert.deepStrictEqual(net.layers.map(brief), ['conv0:Conv2d', 'bn0:BatchNorm2d', 'conv1:Conv2d', 'bn1:BatchNorm2d', 'body:Sequential']);
    assert.deepStrictEqual(net.layers[3]?.call?.args[0]?.value.kind === 'number' && net.layers[3].call.args[0].value.value, 32);
    assert.deepStrictEqual(net.layers[4]?.elements?.map(brief), ['body.fc0:Linear', 'body.fc1:Linear']);
    assert.deepStrictEqual(net.forward?.steps.map((s) => `${s.op} ${s.target}`), ['layer conv0', 'layer bn0', 'layer body']);
    const flows = net.flows.map((f) => `${f.from.path}>${f.to.path} ${f.via}`);
    assert.ok(flows.includes('conv0>bn0 forward'), flows.join(', '));
    assert.ok(flows.includes('body.fc0>body.fc1 sequence'), flows.join(', '));
  });

  it('reads `self.__setattr__(name, m)` and `self.__getattr__(name)(x)` like setattr/getattr (DLA style)', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Tree(nn.Module):',
        '    def __init__(self, level=3):',
        '        super().__init__()',
        '        for i in reversed(range(1, level)):',
        "            self.__setattr__('level_%d' % i, nn.BatchNorm2d(8 * i))",
        '    def forward(self, x):',
        "        return self.__getattr__('level_2')(self.level_1(x))",
      ),
    );
    const tree = cls(ir, 'Tree');
    assert.deepStrictEqual(tree.layers.map(brief), ['level_2:BatchNorm2d', 'level_1:BatchNorm2d']);
    assert.deepStrictEqual(tree.forward?.steps.map((s) => `${s.op} ${s.target}`), ['layer level_1', 'layer level_2']);
    assert.deepStrictEqual(tree.flows.map((f) => `${f.from.path}>${f.to.path}`), ['level_1>level_2']);
  });

  it('keeps an explicit unresolved path when the name does not resolve', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self, names, depth):',
        '        super().__init__()',
        '        for n in names:',
        '            self.add_module(n, nn.BatchNorm1d(4))',
        '        for i in range(depth):',
        "            setattr(self, f'norm{i}', nn.LayerNorm(4))",
        '    def forward(self, x):',
        '        for i in range(3):',
        "            x = getattr(self, f'norm{i}')(x)",
        '        return x',
      ),
    );
    const net = cls(ir, 'Net');
    assert.deepStrictEqual(net.layers.map(brief), ['<n>:BatchNorm1dx?', "<f'norm{i}'>:LayerNormx?"]);
    // The forward loop's count resolves (three iterations, unrolled); its names do, but not those of `__init__`: the same path.
    assert.deepStrictEqual(net.forward?.steps.map((s) => `${s.op} ${s.target} ${s.norm ?? ''} #${s.iteration}`), ["layer <f'norm{i}'> layer #0", "layer <f'norm{i}'> layer #1", "layer <f'norm{i}'> layer #2"]);
  });
});

describe('Python front end: constructor arguments of model-class layers', () => {
  const code = src(
    'import torch.nn as nn',
    'class Block(nn.Module):',
    '    def __init__(self, cin, cout, stride=1, *, norm_layer=None, hidden=None):',
    '        super().__init__()',
    '        hidden = hidden or cout * 2',
    '        if norm_layer is None:',
    '            norm_layer = nn.BatchNorm2d',
    '        self.conv = nn.Conv2d(cin, hidden, 3, stride, 1, bias=False)',
    '        self.bn = norm_layer(hidden)',
    'class Net(nn.Module):',
    '    def __init__(self, width):',
    '        super().__init__()',
    '        self.a = Block(16, 32, stride=2)',
    '        self.b = Block(32, cout=48, norm_layer=nn.GroupNorm, hidden=64)',
    '        self.c = Block(32, width)',
    '        self.d = Block(*[1, 2])',
    '        self.e = nn.Sequential(*[Block(8, 8) for _ in range(3)])',
  );
  const show = (l: Layer | undefined) => (l?.constructorArguments ?? []).map((a) => `${a.name}=${a.value.kind === 'unknown' ? `?${a.value.text}` : a.value.kind === 'number' ? a.value.value : a.value.kind === 'callable' ? a.value.target : a.value.kind}${a.source === 'given' ? '' : ` (${a.source})`}`);
  const sizes = (l: Layer | undefined) => (l?.instanceLayers ?? []).map((x) => `${x.path}:${x.kind}(${x.call?.args.map((a) => (a.value.kind === 'number' ? a.value.value : `?${a.value.kind === 'unknown' ? a.value.text : a.value.kind}`)).join(',')})`);

  it('maps positional and keyword arguments to the parameters of __init__, defaults filled', () => {
    const [a, b, c, d] = cls(parsePythonModel(code), 'Net').layers;
    assert.deepStrictEqual(show(a), ['cin=16', 'cout=32', 'stride=2', 'norm_layer=none (default)', 'hidden=none (default)']);
    assert.deepStrictEqual(show(b), ['cin=32', 'cout=48', 'stride=1 (default)', 'norm_layer=torch.nn.GroupNorm', 'hidden=64']);
    assert.deepStrictEqual(show(c), ['cin=32', 'cout=?width', 'stride=1 (default)', 'norm_layer=none (default)', 'hidden=none (default)']);
    // `Block(*[1, 2])`: which parameter gets what is not followed.
    assert.deepStrictEqual(show(d), ['cin=?cin (unknown)', 'cout=?cout (unknown)', 'stride=?stride (unknown)', 'norm_layer=?norm_layer (unknown)', 'hidden=?hidden (unknown)']);
    assert.strictEqual(a?.constructorArguments?.[2]?.span?.start.line, 12);
  });

  it("builds the instance's layers with its arguments (locals, `x = x or y` and `if norm_layer is None` followed)", () => {
    const net = cls(parsePythonModel(code), 'Net');
    const [a, b, c, d, e] = net.layers;
    assert.deepStrictEqual(sizes(a), ['conv:Conv2d(16,64,3,2,1,?bool)', 'bn:BatchNorm2d(64)']);
    assert.deepStrictEqual(sizes(b), ['conv:Conv2d(32,64,3,1,1,?bool)', 'bn:GroupNorm(64)']);
    // `width` does not resolve: the instance still knows cin, the rest stays unknown.
    assert.deepStrictEqual(sizes(c), ['conv:Conv2d(32,?cout * 2,3,1,1,?bool)', 'bn:BatchNorm2d(?cout * 2)']);
    assert.strictEqual(d?.instanceLayers, undefined);
    // Equal arguments share one list; the class's own layers are untouched.
    const blocks = e?.elements ?? [];
    assert.strictEqual(blocks.length, 3);
    assert.ok(blocks[0]?.instanceLayers && blocks[0].instanceLayers === blocks[2]?.instanceLayers);
    assert.deepStrictEqual(cls(parsePythonModel(code), 'Block').layers.map((l) => `${l.path}:${l.kind}`), ['conv:Conv2d', 'bn:BatchNorm2d']);
  });

  it('a loop-carried local is not taken from before the loop (`in_channels = v` at the end of the body)', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'def make_layers(cfg, batch_norm=False):',
        '    layers = []',
        '    in_channels = 3',
        '    for v in cfg:',
        '        layers += [nn.Conv2d(in_channels, v, 3, padding=1), nn.ReLU()]',
        '        in_channels = v',
        '    return nn.Sequential(*layers)',
      ),
    );
    const conv = cls(ir, 'make_layers').layers[0]?.elements?.[0];
    assert.strictEqual(conv?.call?.args[0]?.value.kind, 'unknown');
  });
});

describe('Python front end: models built at module level', () => {
  it('takes `model = keras.Sequential([...])`, `tf.keras.Sequential` and `nn.Sequential(...)` for models named after the variable', () => {
    const ir = parsePythonModel(
      src(
        'import tensorflow as tf',
        'from tensorflow import keras',
        'import torch.nn as nn',
        'model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4), keras.layers.BatchNormalization()])',
        'if __name__ == "__main__":',
        '    net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))',
        'other = tf.keras.Sequential()',
        'x = compute(model)',
      ),
    );
    assert.deepStrictEqual(ir.classes.map((c) => `${c.name}:${c.framework}:${c.layers[0]?.elements?.map((e) => e.kind).join(',')}`), ['model:keras:Dense,BatchNormalization', 'net:torch:Linear,BatchNorm1d']);
    assert.deepStrictEqual(cls(ir, 'model').flows.map((f) => `${f.from.path}>${f.to.path}`), ['model.0>model.1']);
  });

  it('takes `keras.Model(inputs, outputs)` over the module-level graph before it, keeping only what leads to `outputs`', () => {
    const ir = parsePythonModel(
      src(
        'from tensorflow import keras',
        'from tensorflow.keras import layers',
        'inputs = keras.Input(shape=(16,))',
        'h = layers.Dense(8)(inputs)',
        'aux = layers.Dense(2)(h)',
        'h = layers.BatchNormalization()(h)',
        'outputs = layers.Dense(1)(h)',
        'model = keras.Model(inputs=inputs, outputs=outputs)',
        'late = layers.Dense(3)(outputs)',
      ),
    );
    const m = cls(ir, 'model');
    assert.deepStrictEqual(m.layers.map((l) => l.path), ['Dense_0', 'BatchNormalization_0', 'Dense_2']);
    assert.deepStrictEqual(m.forward?.steps.map((s) => `${s.index}:${s.target}<${s.inputs.join(',')}`), ['0:Input<-1', '1:Dense_0<0', '2:BatchNormalization_0<1', '3:Dense_2<2']);
    assert.deepStrictEqual(m.flows.map((f) => `${f.from.path}>${f.to.path}`), ['Dense_0>BatchNormalization_0', 'BatchNormalization_0>Dense_2']);
  });

  it('takes several `keras.Model(...)` statements, each over the whole module-level graph before it (also those after an inline output or inside a block)', () => {
    const ir = parsePythonModel(
      src(
        'from tensorflow import keras',
        'from tensorflow.keras import layers',
        'inputs = keras.Input(shape=(16,))',
        'h = layers.Dense(8)(inputs)',
        'first = keras.Model(inputs, h)',
        'g = layers.BatchNormalization()(h)',
        'second = keras.Model(inputs=inputs, outputs=[h, g])',
        // An output built inline is a layer of its own, and the statement a step of those after it.
        'third = keras.Model(inputs, layers.Dense(2)(g))',
        'if True:',
        '    inner = keras.Model(inputs, g)',
        'k = layers.Dense(3)(g)',
        'fourth = keras.Model(inputs, k)',
      ),
    );
    const summary = (name: string): string => {
      const m = cls(ir, name);
      return `${m.layers.map((l) => l.path).join(',')} | ${m.forward?.steps.map((s) => `${s.index}:${s.target}<${s.inputs.join(',')}`).join(' ')}`;
    };
    assert.deepStrictEqual(ir.classes.map((c) => c.name), ['first', 'second', 'third', 'inner', 'fourth']);
    assert.strictEqual(summary('first'), 'Dense_0 | 0:Input<-1 1:Dense_0<0');
    assert.strictEqual(summary('second'), 'Dense_0,BatchNormalization_0 | 0:Input<-1 1:Dense_0<0 2:BatchNormalization_0<1');
    assert.strictEqual(summary('third'), 'Dense_0,BatchNormalization_0,Dense_1 | 0:Input<-1 1:Dense_0<0 2:BatchNormalization_0<1 3:Dense_1<2');
    assert.strictEqual(summary('inner'), 'Dense_0,BatchNormalization_0 | 0:Input<-1 1:Dense_0<0 2:BatchNormalization_0<1');
    // `third`'s inline `Dense(2)` took `Dense_1`: `k`'s layer is `Dense_2`.
    assert.strictEqual(summary('fourth'), 'Dense_0,BatchNormalization_0,Dense_2 | 0:Input<-1 1:Dense_0<0 2:BatchNormalization_0<1 3:Dense_2<2');
  });

  it('takes `model = keras.Sequential()` followed by `model.add(...)` statements, up to the next assignment of the name', () => {
    const ir = parsePythonModel(
      src(
        'from tensorflow import keras',
        'from tensorflow.keras import layers',
        'model = keras.Sequential()',
        'model.add(keras.Input(shape=(16,)))',
        'model.add(layers.Dense(32, use_bias=False))',
        'model.add(layers.BatchNormalization())',
        'model.compile(optimizer="adam")',
        'model.add(layers.Dense(1))',
        'model = keras.Sequential([layers.Dense(2)])',
        'model.add(layers.Dense(3))',
      ),
    );
    assert.deepStrictEqual(
      ir.classes.map((c) => c.layers[0]?.elements?.map((e) => `${e.path}:${e.kind}`).join(' ')),
      ['model.0:Dense model.1:BatchNormalization model.2:Dense', 'model.0:Dense model.1:Dense'],
    );
    assert.deepStrictEqual(ir.classes[0]?.flows.map((f) => `${f.from.path}>${f.to.path}`), ['model.0>model.1', 'model.1>model.2']);
  });

  it('lets rules and the simulator see them', () => {
    const text = src(
      'from tensorflow import keras',
      'from tensorflow.keras import layers',
      'import torch.nn as nn',
      'model = keras.Sequential([layers.Conv2D(32, 3), layers.BatchNormalization(axis=1), layers.ReLU()])',
      'net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())',
    );
    const codes = lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`);
    assert.ok(codes.includes('NRM402@4'), codes.join(' '));
    assert.ok(codes.includes('NRM502@4'), codes.join(' '));
    assert.ok(codes.includes('NRM502@5'), codes.join(' '));
    const found = networksFromSource(text);
    assert.strictEqual(found.root, 'net');
    assert.deepStrictEqual(found.models.find((m) => m.name === 'net')?.spec?.layers.map((l) => l.kind), ['Conv2d', 'BatchNorm2d', 'ReLU']);
  });
});

describe('Python front end: the new styles in an open document (per-statement reuse)', () => {
  const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;
  const text = src(
    'import torch.nn as nn',
    'from tensorflow import keras',
    'from tensorflow.keras import layers',
    'class Block(nn.Module):',
    '    def __init__(self, c, hidden=None):',
    '        super().__init__()',
    '        hidden = hidden or c * 2',
    '        self.conv = nn.Conv2d(c, hidden, 3, bias=False)',
    '        self.bn = nn.BatchNorm2d(hidden)',
    'class Net(nn.Module):',
    '    def __init__(self, n=4):',
    '        super().__init__()',
    '        self.blocks = nn.ModuleList([Block(16) for i in range(n) if i % 2 == 0])',
    '        for i in range(2):',
    "            setattr(self, f'head{i}', Block(32, hidden=8))",
    'inputs = keras.Input(shape=(16,))',
    'h = layers.Dense(8)(inputs)',
    'h = layers.BatchNormalization()(h)',
    'outputs = layers.Dense(1)(h)',
    'model = keras.Model(inputs, outputs)',
    'seq = keras.Sequential()',
    'seq.add(layers.Dense(4))',
    '',
  );
  const edits: [string, string, string][] = [
    ['block body seen by instances', 'self.bn = nn.BatchNorm2d(hidden)', 'self.bn = nn.GroupNorm(4, hidden)'],
    ['block default', 'hidden=None', 'hidden=4'],
    ['comprehension bound', 'n=4', 'n=6'],
    ['graph statement before the model', 'h = layers.BatchNormalization()(h)', 'h = layers.LayerNormalization()(h)'],
    ['graph statement inserted', 'outputs = layers.Dense(1)(h)', 'h = layers.Dropout(0.1)(h)\noutputs = layers.Dense(1)(h)'],
    ['input renamed', 'inputs = keras.Input(shape=(16,))', 'x0 = keras.Input(shape=(16,))'],
    ['layer added to a Sequential by a later statement', 'seq.add(layers.Dense(4))', 'seq.add(layers.Dense(4))\nseq.add(layers.BatchNormalization())'],
    ['layer of an added statement changed', 'seq.add(layers.Dense(4))', 'seq.add(layers.Dense(5, use_bias=False))'],
  ];
  for (const [label, from, to] of edits) {
    it(label, () => {
      const doc = new PythonDocument(text);
      try {
        doc.analyse();
        const at = text.indexOf(from);
        assert.ok(at >= 0);
        const next = text.slice(0, at) + to + text.slice(at + from.length);
        const ir = doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
        assert.deepStrictEqual(plain(ir), plain(analysePythonFile(next)));
        const back = doc.applyChanges([{ startOffset: at, oldEndOffset: at + to.length, newText: from }]);
        assert.deepStrictEqual(plain(back), plain(analysePythonFile(text)));
      } finally {
        doc.dispose();
      }
    });
  }
});

describe('Python front end: Flax dataclass fields', () => {
  const code = src(
    'from functools import partial',
    'from typing import Any, Callable',
    'import flax.linen as nn',
    'class Block(nn.Module):',
    '    features: int = 64',
    '    norm: Callable = nn.BatchNorm',
    '    use_norm: bool = True',
    '    @nn.compact',
    '    def __call__(self, x, train: bool = True):',
    '        x = nn.Conv(self.features, (3, 3))(x)',
    '        x = self.norm(use_running_average=not train)(x)',
    '        return nn.relu(x)',
    'class Given(nn.Module):',
    '    norm_layer: Any',
    '    @nn.compact',
    '    def __call__(self, x):',
    '        return self.norm_layer()(nn.Dense(8)(x))',
    'class Net(nn.Module):',
    '    def setup(self):',
    '        self.a = Block(128, norm=partial(nn.GroupNorm, num_groups=8))',
    '        self.b = Given(nn.LayerNorm)',
    '    def __call__(self, x):',
    '        return self.b(self.a(x))',
  );

  it('takes a norm field with a default for a norm parameter and builds the inline layer through it', () => {
    const ir = parsePythonModel(code);
    const block = cls(ir, 'Block');
    assert.deepStrictEqual(block.normParameters.map((p) => `${p.name}:${p.kind ?? '?'}:${p.uses.length}`), ['norm:BatchNorm:1']);
    assert.deepStrictEqual(block.layers.map((l) => `${l.path}:${l.kind}:${l.call?.viaParameter ?? ''}`), ['Conv_0:Conv:', 'BatchNorm_0:BatchNorm:norm']);
    assert.strictEqual(block.layers[0]?.call?.args[0]?.value.kind === 'number' && block.layers[0].call.args[0].value.value, 64);
    assert.deepStrictEqual(block.flows.map((f) => `${f.from.path}>${f.to.path}`), ['Conv_0>BatchNorm_0']);
  });

  it('a norm field without a default is a norm of unknown kind where it is called', () => {
    const given = cls(parsePythonModel(code), 'Given');
    assert.deepStrictEqual(given.normParameters.map((p) => `${p.name}:${p.kind ?? '?'}:${p.uses.length}`), ['norm_layer:?:1']);
    assert.deepStrictEqual(given.forward?.steps.map((s) => `${s.op} ${s.target} ${s.family} <- ${s.inputs.join(',')}`), ['layer Dense_0 linear <- -1', 'layer norm_layer_0 norm <- 0']);
  });

  it('maps a Flax module instance\'s arguments to its fields, in order, defaults filled', () => {
    const [a, b] = cls(parsePythonModel(code), 'Net').layers;
    assert.deepStrictEqual(a?.constructorArguments?.map((x) => `${x.name}:${x.source}`), ['features:given', 'norm:given', 'use_norm:default']);
    assert.strictEqual(a?.constructorArguments?.[2]?.value.kind === 'bool' && a.constructorArguments[2].value.provenance && describeProvenance(a.constructorArguments[2].value.provenance, lineWhere), 'default of field use_norm of Block, line 7');
    assert.deepStrictEqual(b?.constructorArguments?.map((x) => `${x.name}=${x.value.kind === 'callable' ? x.value.target : x.value.kind}`), ['norm_layer=flax.linen.LayerNorm']);
  });

  it('lets rules see a convolution with a bias before the BatchNorm a field builds', () => {
    const codes = lintPython(code).findings.map((f) => `${f.code}@${f.span.start.line + 1}`);
    assert.ok(codes.includes('NRM502@10'), codes.join(' '));
  });
});

describe("Python front end: timm's layer factories and norm classes", () => {
  it('builds the norm a `get_norm_layer` name maps to, and a norm of unknown kind for a norm class the front end does not know', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from timm.layers import LayerNorm2d, SimpleNorm2d, BatchNormAct2d, GroupNorm, get_act_layer, get_norm_layer',
        'class Stem(nn.Module):',
        "    def __init__(self, dim=64, norm_layer='batchnorm2d', act_layer='relu'):",
        '        super().__init__()',
        '        norm_layer = get_norm_layer(norm_layer)',
        '        act_layer = get_act_layer(act_layer)',
        '        self.conv = nn.Conv2d(3, dim, 3)',
        '        self.norm = norm_layer(dim)',
        '        self.act = act_layer()',
        'class Head(nn.Module):',
        '    def __init__(self, dim=64, norm_layer=SimpleNorm2d, norm2_layer=LayerNorm2d):',
        '        super().__init__()',
        '        self.norm = norm_layer(dim)',
        '        self.norm2 = norm2_layer(dim)',
        '        self.bn = BatchNormAct2d(dim, apply_act=False)',
        '        self.gn = GroupNorm(dim)',
        '        self.fc = nn.Linear(dim, 10)',
      ),
    );
    assert.deepStrictEqual(cls(ir, 'Stem').layers.map(brief), ['conv:Conv2d', 'norm:BatchNorm2d', 'act:ReLU']);
    const head = cls(ir, 'Head').layers;
    // timm's own norms, with timm's signatures (GroupNorm takes the channels first, 32 groups by default).
    assert.deepStrictEqual(head.map((l) => `${brief(l)}:${l.family}:${l.norm ?? ''}`), ['norm:?:norm:', 'norm2:LayerNorm2d:norm:layer', 'bn:BatchNormAct2d:norm:batch', 'gn:GroupNorm:norm:group', 'fc:Linear:linear:']);
    const gn = head[3]?.call;
    const groups = gn ? paramValue(gn, 'num_groups') : undefined;
    assert.strictEqual(gn ? numberValue(argument(gn, 'num_channels')?.value) : undefined, 64);
    assert.strictEqual(groups?.kind === 'number' ? `${groups.value} (${groups.provenance?.description ?? ''})` : undefined, '32 (timm default num_groups=32)');
  });
});

describe('Python front end: model instances built at module level', () => {
  it('makes `model = Net(32)` a model named `model`: the instance built with its arguments; not `Net()` nor an argument that does not resolve', () => {
    const ir = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self, c=16):',
        '        super().__init__()',
        '        self.conv = nn.Conv2d(3, c, 3)',
        '        self.bn = nn.BatchNorm2d(c)',
        'model = Net(32)',
        'default = Net()',
        'unknown = Net(width_from_elsewhere)',
        "if __name__ == '__main__':",
        '    demo = Net(c=8)',
      ),
    );
    assert.deepStrictEqual(ir.classes.map((c) => c.name), ['Net', 'model', 'demo']);
    const model = cls(ir, 'model');
    assert.deepStrictEqual(model.layers.map((l) => `${l.path}:${l.kind}:${l.moduleClass}`), [':Net:Net']);
    assert.deepStrictEqual(model.layers[0]?.instanceLayers?.map((l) => `${brief(l)}(${l.call?.args.map((a) => (a.value.kind === 'number' ? a.value.value : '?')).join(',')})`), ['conv:Conv2d(3,32,3)', 'bn:BatchNorm2d(32)']);
    assert.strictEqual(model.nameSpan.start.line, 6);
  });
});

describe('Python front end: conditional expressions in a forward pass', () => {
  it('walks both values of `a if cond else b`, each in its branch, and the value is either', () => {
    const code = src(
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self, use_norm=True):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(3, 8, 3)',
      '        self.norm = nn.BatchNorm2d(8) if use_norm else None',
      '        self.head = nn.Linear(8, 2)',
      '    def forward(self, x, y):',
      '        x = self.conv(x)',
      '        x = self.norm(x) if self.norm is not None else x',
      '        return self.head(x)',
    );
    const net = cls(parsePythonModel(code), 'Net');
    assert.deepStrictEqual(net.forward?.steps.map((s) => `${s.target}<${s.inputs.join(',')}:${s.branches.length}`), ['conv<-1:0', 'norm<0:1', 'head<1,0:0']);
    assert.deepStrictEqual(net.flows.map((f) => `${f.from.path}>${f.to.path}`), ['conv>norm', 'norm>head', 'conv>head']);
    // Two calls in the two values of one conditional never both run: not one norm reused in a pass.
    const twice = code.replace('        x = self.norm(x) if self.norm is not None else x', '        x = self.norm(y) if y is not None else self.norm(x)');
    assert.deepStrictEqual(lintPython(twice).findings.filter((f) => f.code === 'NRM505').length, 0);
  });
});

describe('Python front end: arguments of functional steps', () => {
  it("records a functional step's arguments other than its input, resolved, with their positions as written", () => {
    const ir = parsePythonModel(
      src(
        'import torch',
        'import torch.nn as nn',
        'import torch.nn.functional as F',
        'SLOPE = 0.2',
        'class Net(nn.Module):',
        '    def __init__(self, p=0.1):',
        '        super().__init__()',
        '        self.p = p',
        '        self.fc = nn.Linear(8, 8)',
        '    def forward(self, x, *rest):',
        '        x = x.permute(0, 2, 3, 1)',
        '        x = F.leaky_relu(x, SLOPE)',
        '        x = F.dropout(x, p=self.p, training=self.training)',
        '        x = torch.cat([x, x], dim=1)',
        '        x = x.mean([-2, -1])',
        '        x = F.relu(x)',
        '        x = x.view(*rest)',
        '        return self.fc(x)',
      ),
    );
    const steps = cls(ir, 'Net').forward?.steps ?? [];
    const shown = steps.map((s) => `${s.target}(${(s.args ?? []).map((a) => `${a.name ?? a.position}:${a.value.kind === 'unknown' ? `?${a.value.text}` : JSON.stringify('value' in a.value ? a.value.value : a.value.kind === 'sequence' ? a.value.items.map((i) => ('value' in i ? i.value : '?')) : a.value.kind)}`).join(' ')})`);
    assert.deepStrictEqual(shown, [
      'permute(0:0 1:2 2:3 3:1)',
      'leaky_relu(1:0.2)',
      'dropout(p:0.1 training:?self.training)',
      'cat(dim:1)',
      'mean(0:[-2,-1])',
      'relu()',
      // After a splat the positions are not known: nothing is recorded.
      'view()',
      'fc()',
    ]);
    // The slope's provenance is the module constant.
    const slope = steps[1]?.args?.[0];
    assert.ok(slope && slope.value.kind === 'number');
    assert.match(describeProvenance(slope.value.provenance ?? { description: '', span: slope.span }, lineWhere), /SLOPE/);
    // A step without arguments has no `args` at all.
    assert.strictEqual(steps[5]?.args, undefined);
  });
});
