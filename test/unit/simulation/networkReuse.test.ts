import * as assert from 'assert';
import { Rng } from '../../../src/engine/rng';
import type { FloatArray, Tensor } from '../../../src/engine/tensor';
import { convSpec, mlpSpec } from '../../../src/simulation/builders';
import { Network } from '../../../src/simulation/network';

function tensor(shape: number[], seed: number): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(data, 0.3, 1.7);
  return { shape, data };
}

describe('Network forward and backward with reused output buffers', () => {
  for (const [name, spec, input] of [
    ['MLP with BatchNorm1d', mlpSpec({ depth: 3, width: 32, inFeatures: 16 }), [16]],
    ['CNN with BatchNorm2d and a residual block', convSpec(4, 6), undefined],
    ['residual MLP', mlpSpec({ depth: 4, width: 24, inFeatures: 24, residual: true }), [24]],
  ] as const) {
    it(`${name}: the same outputs and gradients as fresh buffers, and each step's array reused`, () => {
      const make = (): Network => new Network(spec, { normSwap: 'asIs', init: 'default', initRng: new Rng(1), dropoutRng: new Rng(2) });
      const shape = [64, ...(input ?? spec.inputShape)];
      const a = make();
      const b = make();
      let firstArrays: FloatArray[] = [];
      for (let step = 0; step < 3; step++) {
        const x = tensor(shape, 10 + step);
        const outsA: FloatArray[] = [];
        const outsB: FloatArray[] = [];
        const ya = a.forward(x, true, (i, _in, out) => (outsA[i] = out.data), true);
        const yb = b.forward(x, true, (i, _in, out) => (outsB[i] = out.data));
        assert.deepStrictEqual(Array.from(ya.data), Array.from(yb.data));
        outsA.forEach((o, i) => assert.deepStrictEqual(Array.from(o), Array.from(outsB[i]), `step ${step} layer ${i}`));
        const normSteps = a.steps.map((s, i) => (s.norm ? i : -1)).filter((i) => i >= 0);
        assert.ok(normSteps.length > 0);
        if (step === 0) firstArrays = outsA;
        else for (const i of normSteps) assert.strictEqual(outsA[i], firstArrays[i], `norm step ${i} reuses its array`);
      }
      const g = tensor([...a.forward(tensor(shape, 20), true, undefined, true).shape], 21);
      b.forward(tensor(shape, 20), true);
      const gradsA: number[][] = [];
      const gradsB: number[][] = [];
      const arrays = new Set<FloatArray>();
      const dxA = a.backward(g, (i, t) => {
        gradsA[i] = Array.from(t.data);
        arrays.add(t.data);
      }, true);
      const dxB = b.backward(g, (i, t) => (gradsB[i] = Array.from(t.data)));
      assert.deepStrictEqual(Array.from(dxA.data), Array.from(dxB.data));
      assert.deepStrictEqual(gradsA, gradsB);
      const params = (n: Network): number[][] => n.steps.flatMap((s) => (s.layer ? s.layer.parameters().map((p) => Array.from(p.grad!.data)) : []));
      assert.deepStrictEqual(params(a), params(b));
      // Some gradient array served more than one step.
      assert.ok(arrays.size < gradsA.filter((x) => x !== undefined).length, `${arrays.size} arrays for ${gradsA.length} steps`);
    });
  }
});
