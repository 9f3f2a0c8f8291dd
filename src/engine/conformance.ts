// Runs one conformance case (format `normscope-conformance/1`, see test/conformance/FORMAT.md):
// builds the layer the case describes, forwards its batches through it, back-propagates grad_y
// and compares every expected value. Pure: the caller reads the files (scripts/conformance.ts).
import type { Layer } from './layer';
import { Conv2d, Pool2d, type PaddingMode } from './layers';
import { BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm } from './norms';
import { EngineError, fromArray, sameShape, shapeString, type DType, type Tensor } from './tensor';

export const CONFORMANCE_FORMAT = 'normscope-conformance/1';

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Why the case failed (empty when it passed). */
  detail: string;
}

/** Element-wise tolerance |a − e| <= atol + rtol·|e| (FORMAT.md: 1e-4 for float32, 1e-9 for float64). */
export interface Tolerance {
  atol: number;
  rtol: number;
}

export const TOLERANCE: Record<DType, Tolerance> = {
  float32: { atol: 1e-4, rtol: 1e-4 },
  float64: { atol: 1e-9, rtol: 1e-9 },
};

interface JsonTensor {
  shape: number[];
  data: number[];
}

class CaseFormatError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonTensor(v: unknown, what: string): JsonTensor {
  if (!isObject(v) || !Array.isArray(v.shape) || !Array.isArray(v.data)) throw new CaseFormatError(`${what} is not a tensor {shape, data}`);
  if (!v.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw new CaseFormatError(`${what}.shape is not a list of sizes`);
  if (!v.data.every((d) => typeof d === 'number')) throw new CaseFormatError(`${what}.data holds non-numbers`);
  const n = (v.shape as number[]).reduce((a, b) => a * b, 1);
  if (n !== v.data.length) throw new CaseFormatError(`${what}: ${v.data.length} values for shape ${shapeString(v.shape as number[])}`);
  return { shape: v.shape as number[], data: v.data };
}

function optionalTensor(v: unknown, what: string): JsonTensor | null {
  return v === null || v === undefined ? null : jsonTensor(v, what);
}

function num(attrs: Record<string, unknown>, key: string, fallback?: number): number {
  const v = attrs[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number') throw new CaseFormatError(`attrs.${key} must be a number`);
  return v;
}

function bool(attrs: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = attrs[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new CaseFormatError(`attrs.${key} must be a boolean`);
  return v;
}

function shapeAttr(attrs: Record<string, unknown>, key: string): number[] {
  const v = attrs[key];
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number')) throw new CaseFormatError(`attrs.${key} must be a list of sizes`);
  return v;
}

/** A number or two numbers (PyTorch's int-or-tuple arguments) as a pair. */
function pairAttr(attrs: Record<string, unknown>, key: string, fallback: number): [number, number] {
  const v = attrs[key] ?? fallback;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => typeof d === 'number')) throw new CaseFormatError(`attrs.${key} must be a number or two numbers`);
  return p as [number, number];
}

interface Built {
  layer: Layer;
  runningMean: () => Float64Array | null;
  runningVar: () => Float64Array | null;
  numBatchesTracked: () => number | null;
}

/** Builds the layer of a case and loads its initial state. May throw EngineError (error cases). */
function build(op: string, attrs: Record<string, unknown>, inputs: Record<string, unknown>, firstShape: number[], dtype: DType): Built {
  const weight = optionalTensor(inputs.weight, 'inputs.weight');
  const bias = optionalTensor(inputs.bias, 'inputs.bias');
  const runningMean = optionalTensor(inputs.running_mean, 'inputs.running_mean');
  const runningVar = optionalTensor(inputs.running_var, 'inputs.running_var');
  const nbt = inputs.num_batches_tracked;
  switch (op) {
    case 'batch_norm':
    case 'instance_norm': {
      const momentum = attrs.momentum === null ? null : num(attrs, 'momentum', 0.1);
      const options = {
        numFeatures: weight?.data.length ?? runningMean?.data.length ?? firstShape[1],
        eps: num(attrs, 'eps', 1e-5),
        momentum,
        affine: bool(attrs, 'affine', op === 'batch_norm'),
        trackRunningStats: bool(attrs, 'track_running_stats', op === 'batch_norm'),
        dtype,
      };
      const layer = op === 'batch_norm' ? new BatchNorm(options) : new InstanceNorm(options);
      layer.setState({
        weight: weight?.data,
        bias: bias?.data,
        runningMean: runningMean?.data,
        runningVar: runningVar?.data,
        numBatchesTracked: typeof nbt === 'number' ? nbt : undefined,
      });
      return {
        layer,
        runningMean: () => layer.runningMean,
        runningVar: () => layer.runningVar,
        numBatchesTracked: () => (layer.trackRunningStats ? layer.numBatchesTracked : null),
      };
    }
    case 'layer_norm': {
      const layer = new LayerNorm({
        normalizedShape: shapeAttr(attrs, 'normalized_shape'),
        eps: num(attrs, 'eps', 1e-5),
        elementwiseAffine: bool(attrs, 'elementwise_affine', true),
        bias: bool(attrs, 'bias', true) && (inputs.bias === undefined || bias !== null),
        dtype,
      });
      layer.setState({ weight: weight?.data, bias: bias?.data });
      return { layer, runningMean: () => null, runningVar: () => null, numBatchesTracked: () => null };
    }
    case 'group_norm': {
      const layer = new GroupNorm({
        numGroups: num(attrs, 'num_groups'),
        numChannels: weight?.data.length ?? firstShape[1],
        eps: num(attrs, 'eps', 1e-5),
        affine: bool(attrs, 'affine', true),
        dtype,
      });
      layer.setState({ weight: weight?.data, bias: bias?.data });
      return { layer, runningMean: () => null, runningVar: () => null, numBatchesTracked: () => null };
    }
    case 'rms_norm': {
      const eps = attrs.eps === null || attrs.eps === undefined ? null : num(attrs, 'eps');
      const layer = new RMSNorm({ normalizedShape: shapeAttr(attrs, 'normalized_shape'), eps, elementwiseAffine: bool(attrs, 'elementwise_affine', true), dtype });
      layer.setState({ weight: weight?.data });
      return { layer, runningMean: () => null, runningVar: () => null, numBatchesTracked: () => null };
    }
    case 'max_pool2d':
    case 'avg_pool2d': {
      const kernelSize = pairAttr(attrs, 'kernel_size', 1);
      const layer = new Pool2d(op === 'max_pool2d' ? 'max' : 'avg', {
        kernelSize,
        stride: attrs.stride === null || attrs.stride === undefined ? kernelSize : pairAttr(attrs, 'stride', 1),
        padding: pairAttr(attrs, 'padding', 0),
        ceilMode: bool(attrs, 'ceil_mode', false),
        countIncludePad: bool(attrs, 'count_include_pad', true),
      });
      return { layer, runningMean: () => null, runningVar: () => null, numBatchesTracked: () => null };
    }
    case 'conv2d': {
      const pairAttr2 = (key: string, fallback: number): [number, number] => pairAttr(attrs, key, fallback);
      const mode = attrs.padding_mode ?? 'zeros';
      if (typeof mode !== 'string') throw new CaseFormatError('attrs.padding_mode must be a string');
      const layer = new Conv2d({
        inChannels: num(attrs, 'in_channels'),
        outChannels: num(attrs, 'out_channels'),
        kernelSize: pairAttr2('kernel_size', 1),
        stride: pairAttr2('stride', 1),
        padding: pairAttr2('padding', 0),
        dilation: pairAttr2('dilation', 1),
        groups: num(attrs, 'groups', 1),
        bias: bool(attrs, 'bias', true),
        paddingMode: mode as PaddingMode,
        dtype,
      });
      const load = (target: { data: ArrayLike<number> & { [i: number]: number }; length?: number } | undefined, values: JsonTensor | null, what: string): void => {
        if (!values) return;
        if (!target || target.data.length !== values.data.length) throw new CaseFormatError(`inputs.${what} does not fit the layer`);
        for (let i = 0; i < values.data.length; i++) target.data[i] = values.data[i];
      };
      load(layer.weight.value, weight, 'weight');
      load(layer.bias?.value, bias, 'bias');
      return { layer, runningMean: () => null, runningVar: () => null, numBatchesTracked: () => null };
    }
    default:
      throw new CaseFormatError(`unknown op ${JSON.stringify(op)}`);
  }
}

/** First element outside tolerance, as a message; null when all match. */
function compare(what: string, actual: { shape: readonly number[]; data: ArrayLike<number> } | null, expected: JsonTensor, tol: Tolerance): string | null {
  if (actual === null) return `${what}: the engine has none, PyTorch gives shape ${shapeString(expected.shape)}`;
  if (!sameShape(actual.shape, expected.shape)) return `${what}: shape ${shapeString(actual.shape)}, expected ${shapeString(expected.shape)}`;
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i];
    const e = expected.data[i];
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) {
      return `${what}[${i}] = ${a}, expected ${e} (|diff| ${Math.abs(a - e).toExponential(2)} > ${tol.atol} + ${tol.rtol}·|e|)`;
    }
  }
  return null;
}

const EXPECTED_KEYS = new Set(['y', 'grad_x', 'grad_weight', 'grad_bias', 'running_mean', 'running_var', 'num_batches_tracked', 'error']);

/** Runs one parsed case file; `fallbackName` names it when the file has no `name`. */
export function runCase(json: unknown, fallbackName: string, dtype: DType = 'float64'): CaseResult {
  const name = isObject(json) && typeof json.name === 'string' ? json.name : fallbackName;
  const fail = (detail: string): CaseResult => ({ name, passed: false, detail });
  try {
    if (!isObject(json)) throw new CaseFormatError('not a JSON object');
    if (json.format !== CONFORMANCE_FORMAT) throw new CaseFormatError(`format is ${JSON.stringify(json.format)}, expected ${CONFORMANCE_FORMAT}`);
    const { op, attrs, inputs, expected, training } = json;
    if (typeof op !== 'string' || !isObject(attrs) || !isObject(inputs) || !isObject(expected) || typeof training !== 'boolean') {
      throw new CaseFormatError('needs op (string), attrs, inputs, expected (objects) and training (boolean)');
    }
    for (const key of Object.keys(expected)) if (!EXPECTED_KEYS.has(key)) throw new CaseFormatError(`unknown expected field ${key}`);
    if (!Array.isArray(inputs.batches) || inputs.batches.length === 0) throw new CaseFormatError('inputs.batches must be a non-empty list');
    const batches = inputs.batches.map((b, i) => jsonTensor(b, `inputs.batches[${i}]`));
    const tensors: Tensor[] = batches.map((b) => fromArray(b.shape, b.data, dtype));
    const wantError = typeof expected.error === 'string' ? expected.error : null;

    let built: Built;
    let y: Tensor | null = null;
    try {
      built = build(op, attrs, inputs, batches[0].shape, dtype);
      for (const x of tensors) y = built.layer.forward(x, training);
    } catch (error) {
      if (error instanceof EngineError) {
        return wantError !== null ? { name, passed: true, detail: '' } : fail(`the engine refused: ${error.message}`);
      }
      throw error;
    }
    if (wantError !== null) return fail(`the engine accepted what PyTorch refuses (${wantError})`);

    const tol = TOLERANCE[dtype];
    const problems: string[] = [];
    const check = (key: string, actual: { shape: readonly number[]; data: ArrayLike<number> } | null): void => {
      if (expected[key] === undefined) return;
      const p = compare(key, actual, jsonTensor(expected[key], `expected.${key}`), tol);
      if (p) problems.push(p);
    };
    check('y', y);
    const layer = built.layer;
    const params = new Map(layer.parameters().map((p) => [p.name, p]));
    if (inputs.grad_y !== undefined && inputs.grad_y !== null) {
      const g = jsonTensor(inputs.grad_y, 'inputs.grad_y');
      const gradX = layer.backward(fromArray(g.shape, g.data, dtype));
      check('grad_x', gradX);
      check('grad_weight', params.get('weight')?.grad ?? null);
      check('grad_bias', params.get('bias')?.grad ?? null);
    } else if (['grad_x', 'grad_weight', 'grad_bias'].some((k) => expected[k] !== undefined)) {
      problems.push('expected gradients but inputs.grad_y is missing');
    }
    const rm = built.runningMean();
    const rv = built.runningVar();
    check('running_mean', rm && { shape: [rm.length], data: rm });
    check('running_var', rv && { shape: [rv.length], data: rv });
    if (expected.num_batches_tracked !== undefined && expected.num_batches_tracked !== null) {
      const nbt = built.numBatchesTracked();
      if (nbt !== expected.num_batches_tracked) problems.push(`num_batches_tracked = ${String(nbt)}, expected ${JSON.stringify(expected.num_batches_tracked)}`);
    }
    return problems.length === 0 ? { name, passed: true, detail: '' } : fail(problems.join('; '));
  } catch (error) {
    if (error instanceof CaseFormatError) return fail(`malformed case: ${error.message}`);
    return fail(`engine crash: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}
