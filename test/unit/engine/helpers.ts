import * as assert from 'assert';
import type { Layer } from '../../../src/engine/layer';
import { Rng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';

export function randn(shape: number[], seed: number, mean = 0, std = 1): Tensor {
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(data, mean, std);
  return { shape, data };
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = 'value'): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) assert.fail(`${what}[${i}] = ${a}, expected ${e} (tol ${tol})`);
  }
}

/**
 * Central finite differences of L = Σ forward(x)·dy against the layer's backward, in float64,
 * for the input and every parameter, at up to `points` positions of each.
 */
export function gradCheck(layer: Layer, x: Tensor, training: boolean, options: { seed?: number; points?: number; h?: number; tol?: number } = {}): void {
  const h = options.h ?? 1e-6;
  const tol = options.tol ?? 1e-6;
  const points = options.points ?? 24;
  const y = layer.forward(x, training);
  const dy = randn([...y.shape], options.seed ?? 99);
  const dx = layer.backward(dy);
  const loss = (): number => {
    const out = layer.forward(x, training);
    let s = 0;
    for (let i = 0; i < out.data.length; i++) s += out.data[i] * dy.data[i];
    return s;
  };
  const targets: { name: string; data: Float32Array | Float64Array; grad: ArrayLike<number> }[] = [{ name: 'input', data: x.data, grad: dx.data }];
  for (const p of layer.parameters()) {
    assert.ok(p.grad, `${p.name} has a gradient`);
    targets.push({ name: p.name, data: p.value.data, grad: p.grad.data });
  }
  const rng = new Rng(options.seed ?? 7);
  for (const t of targets) {
    assert.strictEqual(t.grad.length, t.data.length, `${t.name}: gradient size`);
    const n = t.data.length;
    const idx = n <= points ? [...Array(n).keys()] : Array.from({ length: points }, () => Math.floor(rng.uniform() * n));
    for (const i of idx) {
      const keep = t.data[i];
      t.data[i] = keep + h;
      const up = loss();
      t.data[i] = keep - h;
      const down = loss();
      t.data[i] = keep;
      const numeric = (up - down) / (2 * h);
      const analytic = t.grad[i];
      if (!(Math.abs(numeric - analytic) <= tol * (1 + Math.abs(numeric)))) {
        assert.fail(`${layer.kind} d/d${t.name}[${i}]: backward ${analytic}, finite differences ${numeric}`);
      }
    }
  }
}
