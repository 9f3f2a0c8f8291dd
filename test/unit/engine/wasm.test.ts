import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { Linear } from '../../../src/engine/layers';
import { Rng } from '../../../src/engine/rng';
import { setWasmEnabled, wasmAvailable, WASM_SOURCE_SHA256 } from '../../../src/engine/wasm/dense';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

function f32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  new Rng(seed).fillNormal(a);
  return a;
}

describe('WebAssembly SIMD dense kernel', () => {
  afterEach(() => setWasmEnabled(true));

  it('is available in Node and embedded from the committed AssemblyScript source', () => {
    assert.strictEqual(wasmAvailable(), true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { sourceHash } = require(path.join(ROOT, 'scripts', 'build-wasm.js')) as { sourceHash: (s: string) => string };
    const source = fs.readFileSync(path.join(ROOT, 'src', 'engine', 'wasm', 'gemm.as.ts'), 'utf8');
    assert.strictEqual(WASM_SOURCE_SHA256, sourceHash(source), 'src/engine/wasm/gemmWasm.ts is stale: run npm run build');
  });

  it('gives Linear the same float32 forward and backward as the TypeScript kernel (any sizes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.integer(), (rows, nIn, nOut, bias, seed) => {
        const run = (wasm: boolean): Float32Array[] => {
          setWasmEnabled(wasm);
          const lin = new Linear({ inFeatures: nIn, outFeatures: nOut, bias, rng: new Rng(seed) });
          const y = lin.forward({ shape: [rows, nIn], data: f32(rows * nIn, seed + 1) }, true);
          const dx = lin.backward({ shape: [rows, nOut], data: f32(rows * nOut, seed + 2) });
          return [y.data, dx.data, lin.weight.grad!.data, ...(lin.bias ? [lin.bias.grad!.data] : [])] as Float32Array[];
        };
        const a = run(true);
        const b = run(false);
        assert.ok(a.every((t) => t instanceof Float32Array));
        a.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= 1e-5 * (1 + Math.abs(b[i][j])), `tensor ${i}[${j}]: ${v} vs ${b[i][j]}`)));
      }),
      { numRuns: 60 },
    );
  });
});
