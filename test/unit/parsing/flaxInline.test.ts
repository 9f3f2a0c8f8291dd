import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ModelIR } from '../../../src/ir/model';
import { lintPython } from '../../../src/lint/lint';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { assertEditsMatchFresh } from '../helpers/incremental';

/** Modules built inline in a Flax `@nn.compact` method: layers of the class and forward steps, named as Flax names them. */

const fixture = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'flax_compact.py'), 'utf8');
const src = (...lines: string[]): string => lines.join('\n');

function cls(ir: ModelIR, name: string) {
  const c = ir.classes.find((k) => k.name === name);
  assert.ok(c, `${name} in ${ir.classes.map((k) => k.name).join(', ')}`);
  return c;
}

const steps = (ir: ModelIR, name: string): string[] => (cls(ir, name).forward?.steps ?? []).map((s) => `${s.op} ${s.target} <- ${s.inputs.join(',')}`);

describe('Python front end: Flax modules built inline', () => {
  let ir: ModelIR;
  before(() => {
    ir = parsePythonModel(fixture);
  });

  it('records framework layers with their kind, arguments and span, named by `name=` or numbered per class like Flax', () => {
    const c = cls(ir, 'CNN');
    assert.deepStrictEqual(c.layers.map((l) => `${l.path}:${l.kind}:${l.family}`), ['conv1:Conv:conv', 'bn1:BatchNorm:norm', 'Conv_0:Conv:conv', 'BatchNorm_0:BatchNorm:norm', 'Dense_0:Dense:linear', 'head:Dense:linear']);
    const bn = c.layers.find((l) => l.path === 'BatchNorm_0');
    assert.deepStrictEqual(bn?.call?.args.map((a) => `${a.name}=${a.value.kind === 'bool' || a.value.kind === 'number' ? String(a.value.value) : a.value.kind}`), ['use_running_average=false', 'momentum=0.9']);
    assert.strictEqual(bn?.span.start.line, 18);
    assert.deepStrictEqual(
      steps(ir, 'CNN').filter((s) => s.startsWith('layer')),
      ['layer conv1 <- -1', 'layer bn1 <- 0', 'layer Conv_0 <- 2', 'layer BatchNorm_0 <- 3', 'layer Dense_0 <- 7', 'layer head <- 9'],
    );
    assert.deepStrictEqual(c.flows.map((f) => `${f.from.path}>${f.to.path}`), ['conv1>bn1', 'Conv_0>BatchNorm_0']);
  });

  it('a model class of the file built inline is a layer of the class (its fields bound) and one forward step', () => {
    const block = cls(ir, 'EncoderBlock');
    const mlp = block.layers.find((l) => l.path === 'MlpBlock_0');
    assert.deepStrictEqual([mlp?.kind, mlp?.family, mlp?.moduleClass], ['MlpBlock', 'module', 'MlpBlock']);
    assert.deepStrictEqual(mlp?.constructorArguments?.map((a) => `${a.name}=${a.value.kind === 'number' ? a.value.value : a.value.kind}:${a.source}`), ['hidden=128:given']);
    assert.deepStrictEqual(steps(ir, 'EncoderBlock'), ['layer LayerNorm_0 <- -1', 'layer SelfAttention_0 <- 0', 'add add <- -1,1', 'layer LayerNorm_1 <- 2', 'layer MlpBlock_0 <- 3', 'add add <- 2,4']);
    assert.ok(block.flows.some((f) => f.from.path === 'LayerNorm_1' && f.to.path === 'MlpBlock_0'));
  });

  it('names blocks built in an unrolled loop by their `name=f"block_{i}"`', () => {
    assert.deepStrictEqual(cls(ir, 'Encoder').layers.map((l) => `${l.path}:${l.kind}`), ['block_0:EncoderBlock', 'block_1:EncoderBlock', 'encoder_norm:LayerNorm']);
    assert.deepStrictEqual(steps(ir, 'Encoder'), ['layer block_0 <- -1', 'layer block_1 <- 0', 'layer encoder_norm <- 1']);
  });

  it('a field holding a module class is one call of that submodule (the class when the field fixes it)', () => {
    // `self.conv(self.filters, (3, 3))(x)`: one step reading x (it was a step reading the constructor's arguments, then an unknown call).
    assert.deepStrictEqual(steps(ir, 'FieldBlock'), ['layer conv <- -1', 'layer BatchNorm_0 <- 0', 'layer MlpBlock_0 <- 1', 'add add <- 2,-1', 'functional relu <- 3']);
    assert.deepStrictEqual(cls(ir, 'FieldBlock').layers.map((l) => `${l.path}:${l.kind}`), ['BatchNorm_0:BatchNorm', 'MlpBlock_0:MlpBlock']);
  });

  it('a norm field used with `name=` still counts as a use of the norm parameter', () => {
    const c = cls(
      parsePythonModel(
        src(
          'from typing import Any',
          'import flax.linen as nn',
          'class Block(nn.Module):',
          '    norm: Any',
          '    @nn.compact',
          '    def __call__(self, x):',
          '        y = self.norm()(x)',
          "        r = self.norm(name='norm_proj')(x)",
          '        return y + r',
        ),
      ),
      'Block',
    );
    assert.deepStrictEqual(c.layers.map((l) => `${l.path}:${l.family}`), ['norm_0:norm', 'norm_proj:norm']);
    assert.deepStrictEqual(c.normParameters.map((p) => `${p.name}:${p.uses.map((u) => u.start.line + 1).join(',')}`), ['norm:7,8']);
  });

  it('rules and the simulator see inline blocks', () => {
    const text = src(
      'import flax.linen as nn',
      'class Mlp(nn.Module):',
      '    @nn.compact',
      '    def __call__(self, x, train: bool = True):',
      '        x = nn.Dense(64)(x)',
      '        x = nn.BatchNorm(use_running_average=not train)(x)',
      '        return nn.relu(x)',
      'class Net(nn.Module):',
      '    @nn.compact',
      '    def __call__(self, x, train: bool = True):',
      '        x = Mlp()(x, train)',
      '        return nn.Dense(10)(x)',
    );
    assert.deepStrictEqual(lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`), ['NRM502@5']);
    const net = networksFromSource(text).models.find((m) => m.name === 'Net')?.spec;
    assert.deepStrictEqual(net?.layers.map((l) => l.name), ['Mlp_0.Dense_0', 'Mlp_0.BatchNorm_0', 'Mlp_0.relu', 'Dense_0']);
  });

  it('an open document gives the same IR as a fresh analysis when an inline layer changes', () => {
    assertEditsMatchFresh(fixture, [
      ['name="conv1"', 'name="stem"'],
      ['    num_layers: int = 2', '    num_layers: int = 3'],
      ['        y = MlpBlock(hidden=self.hidden)(y, deterministic=deterministic)', '        y = nn.Dense(self.hidden)(y)'],
    ]);
  });
});
