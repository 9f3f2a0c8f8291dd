import * as assert from 'assert';
import * as fc from 'fast-check';
import { convSpec, mlpSpec } from '../../../src/simulation/builders';
import { DEFAULT_OPTIONS, normalizeOptions } from '../../../src/simulation/options';
import type { NetworkSpec } from '../../../src/simulation/spec';
import { describeMessage, parseHostMessage, parseNetworkSpec, parseOptions, parsePageMessage, parseRunRequest } from '../../../src/webview/protocol';

describe('webview protocol validation', () => {
  it('accepts the specs the simulator builds, unchanged', () => {
    for (const spec of [mlpSpec({ depth: 3, width: 8, dropout: 0.2, residual: true }), convSpec(), mlpSpec({ depth: 2, width: 8, norm: 'group' })]) {
      assert.deepStrictEqual(parseNetworkSpec(JSON.parse(JSON.stringify(spec))), spec);
    }
  });

  it('accepts side branches (load, cat, add with a residual side), Conv1d and parametrised activations', () => {
    const spec: NetworkSpec = {
      model: 'Branchy',
      inputShape: [4, 16],
      assumptions: [],
      layers: [
        { name: 'in', kind: 'identity', layer: { op: 'save', slot: 'a' } },
        { name: 'conv', kind: 'Conv1d', layer: { op: 'conv1d', inChannels: 4, outChannels: 4, kernel: 3, stride: 1, padding: 1, groups: 1, bias: false, paddingMode: 'circular' } },
        { name: 'act', kind: 'LeakyReLU', layer: { op: 'activation', fn: 'leaky_relu', alpha: 0.2 } },
        { name: 'out', kind: 'identity', layer: { op: 'save', slot: 'b' } },
        { name: 'branch', kind: 'branch', layer: { op: 'load', slot: 'a' } },
        { name: 'add', kind: '+', layer: { op: 'add', slot: 'b', residual: 'saved' } },
        { name: 'sum', kind: 'identity', layer: { op: 'save', slot: 'c' } },
        { name: 'cat', kind: 'cat', layer: { op: 'cat', slots: ['a', 'c'] } },
      ],
    };
    assert.deepStrictEqual(parseNetworkSpec(JSON.parse(JSON.stringify(spec))), spec);
    const broken = (layer: unknown): unknown => ({ ...spec, layers: [{ name: 'x', kind: 'x', layer }] });
    assert.strictEqual(parseNetworkSpec(broken({ op: 'cat', slots: [] })), undefined);
    assert.strictEqual(parseNetworkSpec(broken({ op: 'conv2d', inChannels: 1, outChannels: 1, kernel: 3, stride: 1, padding: 1, groups: 1, bias: true, paddingMode: 'mirror' })), undefined);
    assert.strictEqual(parseNetworkSpec(broken({ op: 'cat', slots: 'a' })), undefined);
    assert.strictEqual(parseNetworkSpec(broken({ op: 'add', slot: 'a', residual: 'left' })), undefined);
    assert.strictEqual(parseNetworkSpec(broken({ op: 'activation', fn: 'elu', alpha: Infinity })), undefined);
  });

  it('rejects specs with bad sizes, unknown ops or wrong types', () => {
    const good = mlpSpec({ depth: 1, width: 4 });
    const bad = (mutate: (s: Record<string, unknown>) => void): unknown => {
      const s = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      mutate(s);
      return s;
    };
    const layer0 = (s: Record<string, unknown>): Record<string, unknown> => ((s.layers as Record<string, unknown>[])[0].layer as Record<string, unknown>);
    assert.strictEqual(parseNetworkSpec(bad((s) => (layer0(s).inFeatures = 0))), undefined);
    assert.strictEqual(parseNetworkSpec(bad((s) => (layer0(s).inFeatures = 1.5))), undefined);
    assert.strictEqual(parseNetworkSpec(bad((s) => (layer0(s).op = 'eval'))), undefined);
    assert.strictEqual(parseNetworkSpec(bad((s) => (s.inputShape = [1, 2, 3, 4]))), undefined);
    assert.strictEqual(parseNetworkSpec(bad((s) => (s.model = 5))), undefined);
    assert.strictEqual(parseNetworkSpec(bad((s) => {
      s.layers = new Array<unknown>(5000).fill((s.layers as unknown[])[0]);
    })), undefined);
    assert.strictEqual(parseNetworkSpec(null), undefined);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        parseHostMessage(v);
        parsePageMessage(v);
        parseRunRequest(v);
        parseNetworkSpec(v);
        parseOptions(v);
        describeMessage(v);
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('validates page messages, including export names and PNG data', () => {
    assert.deepStrictEqual(parsePageMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepStrictEqual(parsePageMessage({ type: 'rendered', model: 'M', phase: 'main', layers: 3, ms: 12.5, inputShape: [3, 8, 8] }), { type: 'rendered', model: 'M', phase: 'main', layers: 3, ms: 12.5, inputShape: [3, 8, 8] });
    assert.strictEqual(parsePageMessage({ type: 'rendered', model: 'M', phase: 'later', layers: 3, ms: 1, inputShape: [4] }), undefined);
    assert.ok(parsePageMessage({ type: 'rendered', model: 'M', phase: 'preview', layers: 3, ms: 1, inputShape: [4] }));
    for (const inputShape of [undefined, [], [1, 2, 3, 4], [0], ['3']]) assert.strictEqual(parsePageMessage({ type: 'rendered', model: 'M', phase: 'main', layers: 3, ms: 1, inputShape }), undefined, JSON.stringify(inputShape));
    assert.ok(parsePageMessage({ type: 'export', format: 'csv', name: 'M-depth.csv', data: 'a,b\n' }));
    assert.strictEqual(parsePageMessage({ type: 'export', format: 'csv', name: '../../etc/passwd', data: '' }), undefined);
    assert.strictEqual(parsePageMessage({ type: 'export', format: 'png', name: 'a.png', data: 'data:text/html,<script>' }), undefined);
    assert.strictEqual(parsePageMessage({ type: 'selectModel' }), undefined);
    // The input size: an integer in range, or null for the simulator's choice; also restored with 'ready'.
    assert.deepStrictEqual(parsePageMessage({ type: 'inputSize', size: 32 }), { type: 'inputSize', size: 32 });
    assert.deepStrictEqual(parsePageMessage({ type: 'inputSize', size: null }), { type: 'inputSize', size: null });
    for (const size of [0, 2.5, 4096, '32', undefined, {}]) assert.strictEqual(parsePageMessage({ type: 'inputSize', size }), undefined, JSON.stringify(size));
    assert.deepStrictEqual(parsePageMessage({ type: 'ready', inputSize: 64 }), { type: 'ready', inputSize: 64 });
    assert.strictEqual(parsePageMessage({ type: 'ready', inputSize: -1 }), undefined);
  });

  it('validates host messages', () => {
    const spec = mlpSpec({ depth: 1, width: 4 });
    assert.deepStrictEqual(parseHostMessage({ type: 'showModel', fileName: 'a.py', models: ['A'], spec }), { type: 'showModel', fileName: 'a.py', models: ['A'], spec });
    assert.strictEqual(parseHostMessage({ type: 'showModel', fileName: 'a.py', models: [3], spec }), undefined);
    assert.deepStrictEqual(parseHostMessage({ type: 'noModel', fileName: 'a.py', reason: 'none' }), { type: 'noModel', fileName: 'a.py', reason: 'none' });
    assert.deepStrictEqual(parseHostMessage({ type: 'showModel', fileName: 'a.py', models: ['A'], spec, inputSize: 32 }), { type: 'showModel', fileName: 'a.py', models: ['A'], spec, inputSize: 32 });
    assert.strictEqual(parseHostMessage({ type: 'showModel', fileName: 'a.py', models: ['A'], spec, inputSize: 0 }), undefined);
  });

  it('clamps untrusted options and keeps valid ones', () => {
    assert.deepStrictEqual(parseOptions(DEFAULT_OPTIONS), DEFAULT_OPTIONS);
    assert.strictEqual(parseOptions({ ...DEFAULT_OPTIONS, batchSize: 0 }), undefined);
    assert.strictEqual(parseOptions({ ...DEFAULT_OPTIONS, normSwap: 'magic' }), undefined);
    const o = normalizeOptions({ batchSize: 1e9, steps: -3, seed: NaN, inputScale: 0, normSwap: 'x' as never });
    assert.strictEqual(o.batchSize, 1024);
    assert.strictEqual(o.steps, 1);
    assert.strictEqual(o.seed, DEFAULT_OPTIONS.seed);
    assert.ok(o.inputScale > 0);
    assert.strictEqual(o.normSwap, 'asIs');
  });
});
