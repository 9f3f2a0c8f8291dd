import * as assert from 'assert';
import { describeProvenance, lineWhere, showValue, type Value } from '../../../src/ir/values';
import { mentionsBound, Resolver } from '../../../src/parsing/python/resolver';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { parseSyntaxTree } from '../../../src/parsing/python/syntaxTree';

/** Resolves the argument of every `probe(...)` call in `code`, in order. */
function probes(code: string): Value[] {
  const tree = parseSyntaxTree(code);
  assert.ok(tree);
  const resolver = new Resolver(tree);
  const out: Value[] = [];
  for (const call of tree.rootNode.descendantsOfType('call')) {
    const f = call.childForFieldName('function');
    const arg = call.childForFieldName('arguments')?.namedChildren[0];
    if (f?.type === 'identifier' && f.text === 'probe' && arg) out.push(resolver.resolve(arg));
  }
  return out;
}

function probe(code: string): Value {
  const [v] = probes(code);
  assert.ok(v, 'no probe');
  return v;
}

function described(v: Value): string {
  return v.kind === 'unknown' ? showValue(v) : `${showValue(v)} (${v.provenance ? describeProvenance(v.provenance, lineWhere) : 'no provenance'}${v.provenance?.inferred ? ', inferred' : ''})`;
}

describe('constant resolver', () => {
  it('resolves literals and module constants with provenance', () => {
    assert.strictEqual(described(probe('probe(64)\n')), '64 (literal, line 1)');
    assert.strictEqual(described(probe('WIDTH = 64\n\ndef f():\n    probe(WIDTH)\n')), '64 (module constant WIDTH, line 1)');
    assert.strictEqual(described(probe('W = 2 ** 6\nprobe(W // 2 + 1)\n')), '33 (computed from module constant W, line 1)');
  });

  it('resolves argparse defaults through parse_args results, helper functions and parameters', () => {
    const script = [
      'import argparse',
      'parser = argparse.ArgumentParser()',
      "parser.add_argument('--batch-size', type=int, default=4)",
      "parser.add_argument('--lr', default='0.1', type=float)",
      "parser.add_argument('--sync-bn', action='store_true')",
      "parser.add_argument('-w', '--workers', dest='num_workers', default=2)",
      'args = parser.parse_args()',
      'probe(args.batch_size)',
      'probe(args.lr)',
      'probe(args.sync_bn)',
      'probe(args.num_workers * 2)',
      'def train(args):',
      '    probe(args.batch_size)',
      '    probe(args.missing)',
    ].join('\n');
    assert.deepStrictEqual(probes(script).map(described), [
      '4 (argparse default of --batch-size, line 3, inferred)',
      '0.1 (argparse default of --lr, line 4, inferred)',
      'False (argparse default of --sync-bn, line 5, inferred)',
      '4 (computed from argparse default of --workers, line 6, inferred)',
      '4 (argparse default of --batch-size, line 3, inferred)',
      '?args.missing',
    ]);
    const viaHelper = [
      'import argparse',
      'def get_args():',
      '    p = argparse.ArgumentParser()',
      "    p.add_argument('--bs', default=8)",
      '    return p.parse_args()',
      'def main():',
      '    opt = get_args()',
      '    probe(opt.bs)',
    ].join('\n');
    assert.strictEqual(described(probe(viaHelper)), '8 (argparse default of --bs, line 4, inferred)');
  });

  it('resolves function and constructor defaults, and self attributes set from them', () => {
    const code = [
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    expansion = 4',
      '    def __init__(self, width=64, groups=32):',
      '        super().__init__()',
      '        self.width = width',
      '        self.out = width * self.expansion',
      '    def forward(self, x):',
      '        probe(self.width)',
      '        probe(self.out)',
      '        probe(groups)',
    ].join('\n');
    assert.deepStrictEqual(probes(code).map(described), [
      '64 (default of parameter width of Block.__init__, line 4, inferred)',
      '256 (computed from default of parameter width of Block.__init__, line 4; class attribute expansion, line 3, inferred)',
      '?groups',
    ]);
  });

  it('a value computed from an argument an instance passes cites that argument, not the expression as a literal', () => {
    const code = [
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(c, c * 2, 3)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.b = Block(24)',
    ].join('\n');
    const net = parsePythonModel(code).classes.find((c) => c.name === 'Net');
    const conv = net?.layers.find((l) => l.path === 'b')?.instanceLayers?.find((l) => l.path === 'conv');
    assert.ok(conv?.call);
    const shown = conv.call.args.map((a) => `${a.name}=${described(a.value)}`);
    assert.deepStrictEqual(shown, [
      'in_channels=24 (literal, line 9)',
      'out_channels=48 (computed from literal, line 9)',
      'kernel_size=3 (literal, line 5)',
    ]);
    // Literals of the expression itself stay literals.
    assert.strictEqual(described(probe('probe(2 * 3 + 1)\n')), '7 (literal, line 1)');
  });

  it('compares values of different kinds with == and != as Python does (a number is never a string or None)', () => {
    assert.deepStrictEqual(probes("probe(64 == 'M')\nprobe('M' != 64)\nprobe(None == 0)\nprobe(None != '')\nprobe(True == 1)\nprobe(2 == 2.0)\n").map(showValue), ['False', 'True', 'False', 'True', 'True', 'True']);
  });

  it('decides `in` and `not in` over known tuples, lists, strings and dicts (unknown while an unknown item could match)', () => {
    const v = probes(
      "STEM = 'deep_tiered'\nprobe('bn' in ('bn', 'gn'))\nprobe(3 in [1, 2])\nprobe('deep' in STEM)\nprobe('a' not in 'abc')\nprobe('k' in dict(k=1))\nprobe(1 in [x, 1])\nprobe(2 in [x, 1])\n",
    );
    assert.deepStrictEqual(v.map(showValue), ['True', 'False', 'True', 'False', 'True', 'True', '?2 in [x, 1]']);
  });

  it('decides isinstance of a known value against builtin types, not against classes or dict', () => {
    assert.deepStrictEqual(
      probes('probe(isinstance(3, int))\nprobe(isinstance(3.0, int))\nprobe(isinstance((3, 3), tuple))\nprobe(isinstance([3], (tuple, list)))\nprobe(isinstance(True, int))\nprobe(isinstance(None, int))\nprobe(isinstance(3, nn.Module))\nprobe(isinstance(dict(a=1), dict))\n').map(showValue),
      ['True', 'False', 'True', 'True', 'True', 'False', '?isinstance(3, nn.Module)', '?isinstance(dict(a=1), dict)'],
    );
  });

  it('reads a parameter a loop assigns as unknown in that loop, but as passed in the loop\'s own iterable', () => {
    const v = probes(
      [
        'def f(dim=96, num_heads=(1, 2), depths=(2, 2)):',
        '    for d, num_heads in zip(depths, num_heads):',
        '        probe(dim)',
        '        dim = dim * 2',
        '    probe(num_heads)',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map((x) => x.kind), ['unknown', 'unknown']);
    assert.match((v[0] as { reason?: string }).reason ?? '', /parameter dim is assigned again in the loop \(`dim = dim \* 2`\)/);
    // The iterable itself read `num_heads` as passed: the loop unrolls over it elsewhere (see the model tests).
    assert.strictEqual(showValue(probes('def f(num_heads=(1, 2)):\n    for h in probe(num_heads):\n        num_heads = h\n')[0]), '(1, 2)');
  });

  it('reads imported to_2tuple / _pair as Python does: (x, x) for a single value, a tuple of a sequence; a function of the file with that name is not taken for them', () => {
    assert.deepStrictEqual(
      probes('from timm.layers import to_2tuple\nfrom torch.nn.modules.utils import _pair\nprobe(to_2tuple(224))\nprobe(_pair([3, 5]))\nprobe(to_2tuple(x))\n').map(showValue),
      ['(224, 224)', '(3, 5)', '?to_2tuple(x)'],
    );
    // (timm's own files import it relatively, which the import table does not hold.)
    assert.strictEqual(showValue(probe('from .helpers import to_2tuple\nprobe(to_2tuple(16))\n')), '(16, 16)');
    // (A function of the file of that name is evaluated as what it is: see the one-line helper test.)
    assert.strictEqual(showValue(probe('def to_2tuple(x):\n    return x\nprobe(to_2tuple(3))\n')), '3');
  });

  it("unpacks `a, b = value` by position when the value resolves to as many items; mmcv's build_norm_layer names its layer", () => {
    const v = probes(
      [
        'from mmcv.cnn import build_norm_layer',
        'from timm.layers import to_2tuple',
        'def pair(x):',
        '    return (x, x * 2)',
        'h, w = to_2tuple(224)',
        'probe(w)',
        'a, b = pair(8)',
        'probe(b)',
        "name, layer = build_norm_layer(dict(type='SyncBN'), 64, postfix=2)",
        'probe(name)',
        'probe(layer)',
        'class Block:',
        "    def __init__(self, c, cfg=dict(type='GN', num_groups=8)):",
        "        self.norm1_name, norm1 = build_norm_layer(cfg, c, 'a')",
        '        self.n, self.m = f(c)',
        '    def forward(self, x):',
        '        probe(self.norm1_name)',
        '        probe(self.n)',
        'x, y, z = pair(1)',
        'probe(x)',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ['224', '16', "'bn2'", '?layer', "'gna'", '?self.n', '?x']);
    assert.strictEqual(described(v[4]), "'gna' (the name build_norm_layer gives, line 14, inferred)");
    // A value that does not unpack keeps the reason it had.
    assert.deepStrictEqual([v[5], v[6]].map((u) => (u?.kind === 'unknown' ? u.reason : u?.kind)), ['self.n is not a plain assignment', 'x is not bound by a plain assignment']);
  });

  it("runs a small helper of the file (assignments, augmented assignments, if/elif/else, return); not one with a loop; timm's and torchvision's make_divisible", () => {
    const v = probes(
      [
        'from timm.layers import make_divisible',
        'from torchvision.models._utils import _make_divisible as tv_divisible',
        'def _make_divisible(v, divisor, min_value=None):',
        '    """Round to a multiple of divisor."""',
        '    assert divisor > 0',
        '    if min_value is None:',
        '        min_value = divisor',
        '    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)',
        '    if new_v < 0.9 * v:',
        '        new_v += divisor',
        '    return new_v',
        'def scale(c, mode):',
        "    if mode == 'half':",
        '        c //= 2',
        "    elif mode == 'double':",
        '        c *= 2',
        '    else:',
        '        pass',
        '    return c',
        'def total(n):',
        '    t = 0',
        '    for i in range(n):',
        '        t += i',
        '    return t',
        'def no_return(c):',
        '    c = c + 1',
        'probe(_make_divisible(32 * 0.75, 8))',
        'probe(_make_divisible(30, 8))',
        'probe(_make_divisible(10, 8))',
        "probe(scale(64, 'half'))",
        "probe(scale(64, 'double'))",
        "probe(scale(64, 'same'))",
        "probe(scale(64, mode))",
        'probe(total(4))',
        'probe(no_return(4))',
        'probe(make_divisible(30))',
        'probe(make_divisible(10, 8, round_limit=0.0))',
        'probe(tv_divisible(22, 8))',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ['24', '32', '16', '32', '128', '64', "?scale(64, mode)", '?total(4)', '?no_return(4)', '32', '8', '24']);
    assert.strictEqual(described(v[0]), '24 (literal, line 27)');
  });

  it("reads timm's imported get_norm_act_layer as timm does: the norm + activation class, act_layer bound unless a partial binds it", () => {
    const v = probes(
      [
        'import torch.nn as nn',
        'from functools import partial',
        'from timm.layers import get_norm_act_layer, LayerNorm2d, GroupNormAct',
        "probe(get_norm_act_layer('batchnorm2d', nn.SiLU))",
        'probe(get_norm_act_layer(nn.BatchNorm2d))',
        'probe(get_norm_act_layer(LayerNorm2d, nn.GELU))',
        'probe(get_norm_act_layer(partial(nn.GroupNorm, eps=1e-3, act_layer=nn.ReLU), nn.SiLU))',
        'probe(get_norm_act_layer(GroupNormAct, nn.SiLU))',
        "probe(get_norm_act_layer(''))",
        "probe(get_norm_act_layer('evonormb0'))",
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), [
      'partial(timm.layers.BatchNormAct2d, act_layer=torch.nn.SiLU)',
      'partial(timm.layers.BatchNormAct2d, act_layer=None)',
      'partial(timm.layers.LayerNormAct2d, act_layer=torch.nn.GELU)',
      'partial(timm.layers.GroupNormAct, eps=0.001, act_layer=torch.nn.ReLU)',
      'partial(timm.layers.GroupNormAct, act_layer=torch.nn.SiLU)',
      'None',
      "?get_norm_act_layer('evonormb0')",
    ]);
  });

  it("reads timm's imported get_act_layer / get_norm_layer as timm does: a class or partial as is, None as None, a name as the class it maps to", () => {
    const v = probes(
      [
        'import torch.nn as nn',
        'from functools import partial',
        'from timm.layers import get_act_layer, get_norm_layer',
        'probe(get_act_layer(nn.GELU))',
        "probe(get_act_layer('hard_swish'))",
        "probe(get_act_layer('GELU'))",
        'probe(get_act_layer(None))',
        "probe(get_norm_layer('batch_norm_2d'))",
        "probe(get_norm_layer('layernorm2d'))",
        // timm rebinds a partial's keywords only.
        'probe(get_norm_layer(partial(nn.GroupNorm, 32, eps=0.5)))',
        "probe(get_act_layer('no_such_act'))",
        'probe(get_act_layer(x))',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), [
      'torch.nn.GELU',
      'torch.nn.Hardswish',
      'timm.layers.GELU',
      'None',
      'torch.nn.BatchNorm2d',
      'timm.layers.LayerNorm2d',
      'partial(torch.nn.GroupNorm, eps=0.5)',
      "?get_act_layer('no_such_act')",
      '?get_act_layer(x)',
    ]);
    assert.strictEqual(described(v[1]), "torch.nn.Hardswish (get_act_layer('hard_swish'), line 5)");
    // timm's own files import it relatively; a function of the file of that name is not timm's.
    assert.strictEqual(showValue(probe("from .create_act import get_act_layer\nprobe(get_act_layer('relu'))\n")), 'torch.nn.ReLU');
    assert.strictEqual(probe("def get_act_layer(name):\n    return make(name)\nprobe(get_act_layer('relu'))\n").kind, 'unknown');
  });

  it('reads a parameter with a default other than None, assigned a value not known, as unknown after the assignment (not as its default)', () => {
    const v = probes(
      [
        "def f(act='gelu', width=64, dims=(96, 192), depths=3):",
        '    act = make_act(act)',
        '    probe(act)',
        '    width = scale(width)',
        '    probe(width)',
        // Under an `if` whose condition is false for the default: the assignment never runs.
        '    if not isinstance(dims, (list, tuple)):',
        '        dims = [dims]',
        '    probe(dims)',
        '    if not isinstance(depths, (list, tuple)):',
        '        depths = [depths]',
        '    probe(depths)',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ['?act', '?width', '(96, 192)', '?depths']);
    assert.match((v[0] as { reason?: string }).reason ?? '', /parameter act is assigned again in the function \(`act = make_act\(act\)`\) to a value not known/);
    assert.match(described(v[2]), /default of parameter dims of f/);
  });

  it('evaluates a call of a one-line helper of the file (`def pair(t): return t if isinstance(t, tuple) else (t, t)`) with its arguments bound', () => {
    const helpers = [
      'def exists(val):',
      '    return val is not None',
      'def default(val, d):',
      '    """The value, or d when it is None."""',
      '    return val if exists(val) else d',
      'def pair(t):',
      '    return t if isinstance(t, tuple) else (t, t)',
      'def cast_tuple(val, length=1):',
      '    return val if isinstance(val, tuple) else ((val,) * length)',
      'def two_lines(x):',
      '    y = x',
      '    return y',
      '@decorated',
      'def deco(x):',
      '    return x',
      'def splat(*xs):',
      '    return xs',
    ];
    const v = probes(
      [
        ...helpers,
        'probe(pair(224))',
        'probe(pair((16, 8)))',
        'probe(cast_tuple(3, 4))',
        'probe(cast_tuple(3))',
        'probe(default(None, 7))',
        'probe(default(stride=2, d=1, val=5))',
        'probe(pair(unknown_size))',
        'probe(two_lines(1))',
        'probe(deco(1))',
        'probe(splat(1))',
        'def g(pair=None, dims=(64, 128, 256, 512)):',
        '    probe(pair(3))',
        '    dims = cast_tuple(dims, 4)',
        '    probe(dims)',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), [
      '(224, 224)',
      '(16, 8)',
      '(3, 3, 3, 3)',
      '(3,)',
      '7',
      // (`stride` is no parameter of `default`: a TypeError in Python.)
      '?default(stride=2, d=1, val=5)',
      '?pair(unknown_size)',
      // (Two statements run too: see the small-helper test.)
      '1',
      '?deco(1)',
      '?splat(1)',
      // A parameter of the same name is not the helper.
      '?pair(3)',
      '(64, 128, 256, 512)',
    ]);
    assert.strictEqual(described(v[0]), '(224, 224) (literal, line 18)');
    assert.match(described(v[11]), /^\(64, 128, 256, 512\) \(computed from default of parameter dims of g/);
  });

  it('bounds the one-line helper evaluations of one file: helpers that call helpers many times each stop resolving, not the analysis', () => {
    const helpers = (width: number) =>
      [0, 1, 2].flatMap((i) => [`def f${i}(x):`, `    return ${Array.from({ length: width }, () => `f${i + 1}(x)`).join(' + ')}`]).concat(['def f3(x):', '    return x']);
    // 3 ** 3 evaluations resolve; 30 ** 3 are past the bound.
    assert.strictEqual(showValue(probe([...helpers(3), 'probe(f0(1))'].join('\n'))), '27');
    assert.strictEqual(probe([...helpers(30), 'probe(f0(1))'].join('\n')).kind, 'unknown');
  });

  it('reads `partial(f, **d)` with `d` a dict that resolves as its keywords, and as unknown otherwise', () => {
    const v = probes(
      [
        'import torch.nn as nn',
        'from functools import partial',
        "def f(device=None, approximate='tanh', **kwargs):",
        "    dd = {'device': device}",
        '    probe(partial(nn.GELU, approximate=approximate, **dd))',
        '    probe(partial(nn.GELU, **kwargs))',
        '    probe(max(**dd))',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ["partial(torch.nn.GELU, approximate='tanh', device=None)", '?partial(nn.GELU, **kwargs)', '?max(**dd)']);
  });

  it("reads `self.hparams.x` in a class whose `__init__` calls Lightning's `self.save_hyperparameters()` as the `__init__` parameter x", () => {
    const module = (init: string, saves: string) =>
      ['class M(pl.LightningModule):', `    def __init__(self, batch_size=16, lr=0.1, *args):`, '        super().__init__()', ...init.split('\n').filter(Boolean), `        ${saves}`, '    def loader(self):', '        probe(self.hparams.batch_size)', ''].join('\n');
    const v = (init: string, saves: string) => described(probe(module(init, saves)));
    assert.strictEqual(v('', 'self.save_hyperparameters()'), '16 (default of parameter batch_size of M.__init__, line 2, inferred)');
    assert.strictEqual(v('', "self.save_hyperparameters('batch_size', 'lr', logger=False)"), '16 (default of parameter batch_size of M.__init__, line 2, inferred)');
    // Not saved: named others, ignored, not called, a dict given, `self.hparams` assigned, the parameter assigned again first.
    assert.strictEqual(probe(module('', "self.save_hyperparameters('lr')")).kind, 'unknown');
    assert.strictEqual(probe(module('', "self.save_hyperparameters(ignore=['batch_size'])")).kind, 'unknown');
    assert.strictEqual(probe(module('', 'self.other()')).kind, 'unknown');
    assert.strictEqual(probe(module('', "self.save_hyperparameters({'batch_size': 2})")).kind, 'unknown');
    assert.strictEqual(probe(module('        self.hparams = hparams', 'self.save_hyperparameters()')).kind, 'unknown');
    assert.strictEqual(probe(module('        batch_size = batch_size * 2', 'self.save_hyperparameters()')).kind, 'unknown');
  });

  it('reads a local assigned several times, in its own function, as the straight-line assignment before the use', () => {
    const v = probes(
      [
        'def f(c=8):',
        '    x = 64',
        '    probe(x)',
        '    x = x * 2',
        '    probe(x)',
        '    for i in range(3):',
        '        probe(x)',
        '    if c:',
        '        x = 1',
        '    probe(x)',
        '    y = 1',
        '    for i in range(2):',
        '        probe(y)',
        '        y = 2',
        '    z = 1',
        '    z.append(2)',
        '    z = 3',
        '    probe(z)',
        '    def g():',
        '        probe(x)',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ['64', '128', '128', '?x', '?y', '?z', '?x']);
    assert.match(described(v[1]), /^128 \(computed from variable x, line 2/);
  });

  it('rounds halves to even as Python does (`round(2.5)` is 2)', () => {
    assert.deepStrictEqual(probes('probe(round(2.5))\nprobe(round(3.5))\nprobe(round(-2.5))\nprobe(round(2.6))\nprobe(round(-0.4))\n').map(showValue), ['2', '4', '-2', '3', '0']);
  });

  it('reads a parameter assigned again as passed before the assignment, as assigned after a straight-line one, and a None default as unknown after any', () => {
    const v = probes(
      [
        'def f(x=1, width=64, n=3, norm=None, act=None, depth=2):',
        '    probe(x)',
        '    x = 5',
        '    probe(x)',
        '    width = int(width * 1.5)',
        '    probe(width)',
        '    n = n + 1',
        '    probe(n)',
        '    norm = get_norm_layer(norm)',
        '    probe(norm)',
        '    if act is None or depth > 1:',
        '        act = make_act()',
        '    probe(act)',
        '    probe([depth for depth in range(4)][0])',
        '    probe(depth)',
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ['1', '5', '96', '4', '?norm', '?act', '?[depth for depth in range(4)][0]', '2']);
    assert.match(described(v[1]), /^5 \(variable x, line 3/);
    assert.match((v[4] as { reason?: string }).reason ?? '', /parameter norm is None by default and assigned again in the function \(`norm = get_norm_layer\(norm\)`\)/);
  });

  it('reads a None default replaced at the top of the body (`if p is None: p = X`, `p = p or X`) as the replacement', () => {
    const code = [
      'import torch.nn as nn',
      'def f(width=64, norm_layer=None, hidden=None, act=None):',
      '    probe(norm_layer)',
      '    if norm_layer is None:',
      '        norm_layer = nn.BatchNorm2d',
      '    hidden = hidden or width * 4',
      '    if act is None:',
      '        act = nn.ReLU',
      '    else:',
      '        act = act',
      '    probe(norm_layer)',
      '    probe(hidden)',
      '    probe(act)',
    ].join('\n');
    assert.deepStrictEqual(probes(code).map(described), [
      // Before the replacement: the default, as any parameter.
      'None (default of parameter norm_layer of f, line 2, inferred)',
      'torch.nn.BatchNorm2d (nn.BatchNorm2d, line 5, inferred)',
      '256 (computed from default of parameter width of f, line 2, inferred)',
      // An `if` with an `else` is not the idiom: assigned again, a `None` default says nothing.
      '?act',
    ]);
    // A caller in the file passing the parameter: not known.
    assert.strictEqual(probes(`${code.split('\n').slice(0, 6).join('\n')}\n    probe(hidden)\nf(hidden=8)\n`)[1]?.kind, 'unknown');
  });

  it('does not use a default that a caller in the file overrides', () => {
    const code = ['class Net:', '    def __init__(self, width=64):', '        probe(width)', 'net = Net(width=128)'].join('\n');
    const v = probe(code);
    assert.strictEqual(v.kind, 'unknown');
    const positional = ['def f(a, b=3):', '    probe(b)', 'f(1, 5)'].join('\n');
    assert.strictEqual(probe(positional).kind, 'unknown');
  });

  it('looks up dicts, lists and config objects defined in the file', () => {
    const code = [
      "cfg = {'width': 128, 'stages': [64, 128, 256], 'model': {'depth': 50}}",
      'from types import SimpleNamespace',
      'C = SimpleNamespace(eps=1e-3, widths=(32, 64))',
      'class Config:',
      '    MOMENTUM = 0.01',
      'from yacs.config import CfgNode as CN',
      '_C = CN()',
      '_C.MODEL = CN()',
      '_C.MODEL.WIDTH = 96',
      "probe(cfg['width'])",
      "probe(cfg['stages'][-1])",
      "probe(cfg['model']['depth'])",
      'probe(C.eps)',
      'probe(C.widths[1])',
      'probe(Config.MOMENTUM)',
      'probe(_C.MODEL.WIDTH)',
      "probe(cfg['stages'][1:])",
      'probe([64] * 2 + [128])',
      'probe(len(cfg["stages"]))',
    ].join('\n');
    assert.deepStrictEqual(probes(code).map(showValue), ['128', '256', '50', '0.001', '64', '0.01', '96', '[128, 256]', '[64, 64, 128]', '3']);
  });

  it('keeps mutated, reassigned and loop-bound names unknown', () => {
    assert.strictEqual(probe("cfg = {'w': 1}\ncfg['w'] = 2\nprobe(cfg['w'])\n").kind, 'unknown');
    assert.strictEqual(probe("cfg = {'w': 1}\ncfg.update(w=2)\nprobe(cfg['w'])\n").kind, 'unknown');
    assert.strictEqual(probe('c = 1\nc = 2\nprobe(c)\n').kind, 'unknown');
    assert.strictEqual(probe('def f():\n    for c in range(3):\n        probe(c)\n').kind, 'unknown');
    assert.strictEqual(probe('def f():\n    c = 1\n    c += 1\n    probe(c)\n').kind, 'unknown');
    assert.strictEqual(probe('probe(undefined_name)\n').kind, 'unknown');
    assert.strictEqual(probe('probe(f"{x}")\n').kind, 'unknown');
    assert.strictEqual(probe('probe(1 / 0)\n').kind, 'unknown');
  });

  it('gives unresolved paths a symbol shared by equal expressions in one scope', () => {
    const [a, b, c] = probes('def f(cfg):\n    probe(cfg[1])\n    probe(cfg[1])\n    probe(cfg[2])\n');
    assert.ok(a?.kind === 'unknown' && b?.kind === 'unknown' && c?.kind === 'unknown');
    assert.ok(a.symbol && a.symbol === b.symbol && a.symbol !== c.symbol);
    const [d, e] = probes('def f(n):\n    m = n\n    probe(m)\n    probe(n)\n');
    assert.ok(d?.kind === 'unknown' && e?.kind === 'unknown' && d.symbol === e.symbol, 'an alias shares the symbol');
  });

  it('resolves partial() and framework classes used as values', () => {
    const code = 'import torch.nn as nn\nfrom functools import partial\nnorm = partial(nn.GroupNorm, 32)\nprobe(norm)\n';
    assert.strictEqual(showValue(probe(code)), 'partial(torch.nn.GroupNorm, 32)');
  });

  it('chained, tuple and conditional assignments', () => {
    assert.deepStrictEqual(probes('a = b = 3\nx, y = 4, 5\nz = 1 if a > 2 else 2\nprobe(b)\nprobe(y)\nprobe(z)\n').map(showValue), ['3', '5', '1']);
  });
});

describe('constant resolver: scopes and literals', () => {
  it('binds in a scope what its own body assigns, not what nested functions, classes, lambdas or comprehensions do', () => {
    const code = [
      'def f(k=3):',
      '    a = 1',
      '    def g():',
      '        b = 2',
      '        return b',
      '    class C:',
      '        c = 3',
      '    h = lambda d=4: d',
      '    squares = [e * e for e in range(3)]',
      '    if k:',
      '        for i in range(2):',
      '            w = (z := 5) + 1',
      '    probe(a)',
      '    probe(b)',
      '    probe(c)',
      '    probe(d)',
      '    probe(w)',
      '    probe(z)',
      '    probe(g)',
      '    probe(C)',
      'b = 20',
    ].join('\n');
    // (`w`'s value is a walrus expression, which the resolver does not compute; `z` is bound by it.)
    assert.deepStrictEqual(probes(code).map(showValue), ['1', '20', '?c', '?d', '?(z := 5) + 1', '?z', 'g', 'C']);
  });

  it('reads integer and float literals in every notation, and leaves complex and Python 2 long literals unknown', () => {
    const values = probes(['probe(1_000)', 'probe(0X1F)', 'probe(0b1_01)', 'probe(0O17)', 'probe(1E3)', 'probe(2.5e-1)', 'probe(.5)', 'probe(2j)', 'probe(3J)', "probe('a' 'b')", 'probe(10L)'].join('\n'));
    assert.deepStrictEqual(values.map(showValue), ['1000', '31', '5', '15', '1000.0', '0.25', '0.5', '?2j', '?3J', "'ab'", '?10L']);
  });
});

describe('constant resolver: formatted strings', () => {
  it('resolves f-strings, %-formatting and str.format whose parts resolve to ints, strings or bools', () => {
    const v = probes(
      [
        'N = 3',
        "NAME = 'stage'",
        "probe(f'layer{N + 1}')",
        "probe(f'{NAME}_{N}_{True}')",
        "probe('denseblock%d' % (N + 1))",
        "probe('%s.%i%%' % (NAME, N))",
        "probe('proj_{}'.format(N))",
        "probe('{1}-{0}-{k}'.format(N, NAME, k=N * 2))",
        "probe(f'{ N }')",
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map(showValue), ["'layer4'", "'stage_3_True'", "'denseblock4'", "'stage.3%'", "'proj_3'", "'stage-3-6'", "'3'"]);
    assert.match(described(v[0]), /computed from module constant N, line 1/);
  });

  it('keeps formatting it does not follow, and unresolved parts, unknown', () => {
    const v = probes(
      [
        'def f(i, x=0.5):',
        "    probe(f'layer{i}')",
        "    probe(f'{3:02d}')",
        "    probe(f'{3!r}')",
        "    probe(f'{x}')",
        "    probe('%05d' % 3)",
        "    probe('%d-%d' % 3)",
        "    probe('{:>4}'.format(3))",
        "    probe('{}'.format(i))",
        // (A self-documenting expression renders as `3=3`.)
        "    probe(f'{3=}')",
        "    probe(f'{3 = }')",
      ].join('\n'),
    );
    assert.deepStrictEqual(v.map((x) => x.kind), Array(10).fill('unknown'));
  });
});

describe('Keras modules handed in at run time (keras-applications)', () => {
  it('get_submodules_from_kwargs and VersionAwareLayers bind keras modules; an import keeps its name', () => {
    const code = [
      'from . import get_submodules_from_kwargs',
      'backend = None',
      'layers = None',
      'def ResNet(**kwargs):',
      '    global backend, layers, models, keras_utils',
      '    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)',
      'L = VersionAwareLayers()',
      'import numpy as models',
      '',
    ].join('\n');
    const tree = parseSyntaxTree(code);
    assert.ok(tree);
    const { aliases } = new Resolver(tree).imports;
    assert.strictEqual(aliases.get('backend'), 'keras.backend');
    assert.strictEqual(aliases.get('layers'), 'keras.layers');
    assert.strictEqual(aliases.get('keras_utils'), 'keras.utils');
    assert.strictEqual(aliases.get('L'), 'keras.layers');
    assert.strictEqual(aliases.get('models'), 'numpy');
  });
});

describe('constant resolver: bindings', () => {
  it('resolves an expression that mentions no bound name as without bindings (the same value), and one that does under them', () => {
    const tree = parseSyntaxTree('W = 8\nprobe(W * 2)\nprobe(i + W)\nprobe(f(x=i))\n');
    assert.ok(tree);
    const resolver = new Resolver(tree);
    const args = tree.rootNode.descendantsOfType('argument_list').map((a) => a.namedChildren[0]);
    const bindings = new Map<string, Value>([['i', { kind: 'number', value: 3, isInteger: true }]]);
    assert.ok(!mentionsBound(args[0], bindings));
    assert.ok(mentionsBound(args[1], bindings));
    // (A keyword's name counts as a mention: conservative.)
    assert.ok(mentionsBound(args[2], new Map([['x', { kind: 'none' }]])));
    const plain = resolver.resolve(args[0]);
    assert.strictEqual(resolver.resolve(args[0], bindings), plain);
    assert.strictEqual(showValue(plain), '16');
    assert.strictEqual(showValue(resolver.resolve(args[1], bindings)), '11');
    assert.strictEqual(resolver.resolve(args[1]).kind, 'unknown');
  });
});
