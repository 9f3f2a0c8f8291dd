import * as assert from 'assert';
import { Rng } from '../../../src/engine/rng';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { Network } from '../../../src/simulation/network';
import type { NormSwap } from '../../../src/simulation/options';
import { normalizeOptions } from '../../../src/simulation/options';
import { runMainPass, runSweep, runWhatIf } from '../../../src/simulation/simulate';
import type { LayerSpec, NetworkSpec } from '../../../src/simulation/spec';
import { parseNetworkSpec } from '../../../src/webview/protocol';
import { assertClose, randn } from '../engine/helpers';

// FrozenBatchNorm2d (torchvision, detectron2) in the simulator: a BatchNorm in evaluation mode in
// every pass, with its initial buffers, and nothing to train.

const FROZEN: LayerSpec = { name: 'bn', kind: 'FrozenBatchNorm2d', layer: { op: 'norm', norm: 'batch', features: 4, eps: 1e-5, affine: false, trackRunningStats: true, frozen: true } };

function net(layers: LayerSpec[], normSwap: NormSwap = 'asIs'): Network {
  const spec: NetworkSpec = { model: 'Net', inputShape: [4, 3, 3], layers, assumptions: [] };
  return new Network(spec, { normSwap, init: 'default', initRng: new Rng(1), dropoutRng: new Rng(2) });
}

const SOURCE =
  'import torch.nn as nn\nfrom torchvision.ops.misc import FrozenBatchNorm2d\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
  '        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)\n        self.frozen = FrozenBatchNorm2d(16)\n' +
  '        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)\n        self.bn = nn.BatchNorm2d(16)\n' +
  '        self.pool = nn.AdaptiveAvgPool2d(1)\n        self.fc = nn.Linear(16, 10)\n\n' +
  '    def forward(self, x):\n        x = self.frozen(self.conv(x)).relu()\n        x = self.bn(self.conv2(x)).relu()\n        return self.fc(self.pool(x).flatten(1))\n';

describe('simulation: FrozenBatchNorm2d', () => {
  it('scales by 1/sqrt(1 + eps) in training passes as in evaluation, passes the gradient through that scale, and has no parameters', () => {
    const n = net([FROZEN]);
    const x = randn([5, 4, 3, 3], 3, 0.7, 2);
    const scale = 1 / Math.sqrt(1 + 1e-5);
    const expected = Float64Array.from(x.data, (v) => v * scale);
    const train = n.forward(x, true);
    assertClose(train.data, expected, 1e-6, 'training pass');
    // Its statistics did not move: the second training pass and the evaluation pass give the same.
    assertClose(n.forward(x, true).data, expected, 1e-6, 'second training pass');
    assertClose(n.forward(x, false).data, expected, 1e-6, 'evaluation pass');
    const g = randn([5, 4, 3, 3], 8);
    n.forward(x, true);
    assertClose(n.backward(g).data, Float64Array.from(g.data, (v) => v * scale), 1e-6, 'gradient');
    assert.deepStrictEqual(n.steps[0]?.layer?.parameters(), []);
  });

  it('a what-if BatchNorm in its place normalizes with batch statistics; a single sample per channel is no error for the frozen one', () => {
    const x = randn([2, 4, 3, 3], 4, 3, 5);
    const swapped = net([FROZEN], 'batch').forward(x, true);
    let mean = 0;
    // Channel 0: positions 0..8 of sample 0 and 36..44 of sample 1 (the input's mean there is 3).
    for (let i = 0; i < 9; i++) mean += (swapped.data[i] ?? 0) + (swapped.data[36 + i] ?? 0);
    assert.ok(Math.abs(mean / 18) < 1e-5, `channel 0 mean ${mean / 18}`);
    // PyTorch refuses batch statistics over one value per channel; a frozen BatchNorm has none.
    const one = randn([1, 4, 1, 1], 6);
    assert.strictEqual(net([FROZEN]).forward(one, true).data.length, 4);
  });

  it("is built from the model IR with what it assumes said, and the batch-size sweep watches the model's real BatchNorm", () => {
    const model = networksFromSource(SOURCE).models.find((m) => m.name === 'Net');
    assert.ok(model?.spec, model?.reason);
    const spec = model.spec;
    assert.deepStrictEqual(spec.layers.find((l) => l.name === 'frozen')?.layer, { op: 'norm', norm: 'batch', features: 16, eps: 1e-5, affine: false, trackRunningStats: true, frozen: true });
    assert.ok(spec.assumptions.some((a) => a.startsWith('frozen (FrozenBatchNorm2d): FrozenBatchNorm2d keeps its initial buffers')), spec.assumptions.join('\n'));
    const options = normalizeOptions({ batchSize: 8, steps: 2 });
    const main = runMainPass(spec, options);
    const frozen = main.layers.find((l) => l.name === 'frozen');
    assert.ok(frozen);
    assert.strictEqual(frozen.train.mean, frozen.eval.mean);
    assert.strictEqual(runSweep(spec, options, [2, 4]).sweepLayer, 'bn');
    const [whatIf] = runWhatIf(spec, options, [{ label: 'BatchNorm', normSwap: 'batch', init: 'default' }]);
    assert.strictEqual(whatIf?.error, undefined);
  });

  it('the webview accepts a frozen BatchNorm and refuses `frozen` on any other norm or with another value', () => {
    const spec = (layer: unknown) => parseNetworkSpec({ model: 'Net', inputShape: [4, 3, 3], layers: [{ name: 'bn', kind: 'FrozenBatchNorm2d', layer }], assumptions: [] });
    assert.deepStrictEqual(spec(FROZEN.layer)?.layers[0]?.layer, FROZEN.layer);
    assert.strictEqual(spec({ ...FROZEN.layer, norm: 'group', groups: 2 }), undefined);
    assert.strictEqual(spec({ ...FROZEN.layer, frozen: false }), undefined);
    assert.strictEqual(spec({ ...FROZEN.layer, frozen: 'yes' }), undefined);
  });
});
