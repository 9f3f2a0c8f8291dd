/**
 * `normscope simulate [--format json|html] [--out FILE] [--model NAME] [--batch-size N]
 * [--steps K] [--seed S] [--input-size N] FILE` (DESIGN.md contract 1, plus `--input-size`):
 * the simulator's numbers as JSON, or a standalone HTML report with the same charts as the
 * webview (chart.js bundled, no network).
 */

import * as fs from 'fs';
import * as path from 'path';
import { readSourceFile } from '../lint/source';
import { scanArguments } from './options';
import { initLinter } from '../lint/lint';
import { networksFromSource } from '../simulation/fromIR';
import { normalizeOptions, LIMITS, type SimulationOptions } from '../simulation/options';
import type { SimulationResult } from '../simulation/result';
import { simulate } from '../simulation/simulate';
import { reportHtml } from '../webview/reportHtml';

export type SimulateFormat = 'json' | 'html';

export interface SimulateArgs {
  readonly command: 'simulate';
  readonly format: SimulateFormat;
  readonly out?: string;
  readonly model?: string;
  readonly batchSize?: number;
  readonly steps?: number;
  readonly seed?: number;
  /** Image side or sequence length when the code does not say the input's size. */
  readonly inputSize?: number;
  readonly file: string;
}

export const SIMULATE_USAGE = `  normscope simulate [--format json|html] [--out FILE] [--model NAME]
                     [--batch-size N] [--steps K] [--seed S] [--input-size N] FILE`;

export const SIMULATE_HELP = `simulate runs the model in FILE (its root model, or --model NAME) on synthetic inputs:
K training-mode steps, a backward pass and an inference pass, a batch-size sweep (2..128)
and what-if variants; json prints the numbers, html writes a standalone report.
--input-size N: the image side (or sequence length) to simulate when the code does not say
it (default: the smallest of 8, 16, 32, ... that the network fits).`;

/** Thrown for bad command lines; main.ts turns it into exit code 2 with the usage text. */
export class SimulateUsageError extends Error {}

function intFlag(flag: string, raw: string, min: number, max: number): number {
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) throw new SimulateUsageError(`${flag} must be an integer from ${min} to ${max}`);
  return v;
}

export function parseSimulateArgs(rest: readonly string[]): SimulateArgs {
  let format: SimulateFormat = 'json';
  let out: string | undefined;
  let model: string | undefined;
  let batchSize: number | undefined;
  let steps: number | undefined;
  let seed: number | undefined;
  let inputSize: number | undefined;
  const files: string[] = [];
  const onFlag = (flag: string, value: () => string): boolean => {
    switch (flag) {
      case '--format': {
        const v = value();
        if (v !== 'json' && v !== 'html') throw new SimulateUsageError('--format must be one of json, html');
        format = v;
        return true;
      }
      case '--out':
        out = value();
        return true;
      case '--model':
        model = value();
        return true;
      case '--batch-size':
        batchSize = intFlag(flag, value(), LIMITS.batchSize.min, LIMITS.batchSize.max);
        return true;
      case '--steps':
        steps = intFlag(flag, value(), LIMITS.steps.min, LIMITS.steps.max);
        return true;
      case '--seed':
        seed = intFlag(flag, value(), LIMITS.seed.min, LIMITS.seed.max);
        return true;
      case '--input-size':
        inputSize = intFlag(flag, value(), LIMITS.inputSize.min, LIMITS.inputSize.max);
        return true;
      default:
        return false;
    }
  };
  scanArguments(rest, onFlag, (arg) => files.push(arg), (message) => new SimulateUsageError(message));
  if (files.length !== 1) throw new SimulateUsageError(files.length === 0 ? 'simulate needs a FILE' : 'simulate takes exactly one FILE');
  return {
    command: 'simulate',
    format,
    file: files[0],
    ...(out !== undefined ? { out } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(inputSize !== undefined ? { inputSize } : {}),
  };
}

/** The JSON document: the fields (model, assumptions, layers, batchSweep) plus the rest of the run. */
export function simulationJson(r: SimulationResult): string {
  const doc = {
    version: 1,
    model: r.model,
    assumptions: r.assumptions,
    options: r.options,
    inputShape: r.inputShape,
    layers: r.layers.map((l) => ({
      name: l.name,
      kind: l.kind,
      shape: l.shape,
      train: l.train,
      eval: l.eval,
      ...(l.trainEvalGap !== undefined ? { trainEvalGap: l.trainEvalGap } : {}),
      ...(l.deadFraction !== undefined ? { deadFraction: l.deadFraction } : {}),
      ...(l.gradNorm !== undefined ? { gradNorm: l.gradNorm } : {}),
      ...(l.weightGradNorm !== undefined ? { weightGradNorm: l.weightGradNorm } : {}),
    })),
    trainEvalGap: r.trainEvalGap,
    sweepLayer: r.sweepLayer ?? null,
    batchSweep: r.batchSweep ?? [],
    whatIf: r.whatIf ?? [],
    warnings: r.warnings,
  };
  // Infinity/NaN are not JSON: write null (e.g. a gap against an inference output with no spread).
  return JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/** The report's assets (chart bundle and stylesheet), next to the CLI bundle or in the build output. */
export function reportAssets(): { script: string; style: string } {
  const candidates = [path.join(__dirname, 'webview'), path.join(__dirname, '..', '..', '..', 'dist', 'webview'), path.join(__dirname, '..', '..', 'dist', 'webview')];
  for (const dir of candidates) {
    const script = path.join(dir, 'report.js');
    const style = path.join(dir, 'simulator.css');
    if (fs.existsSync(script) && fs.existsSync(style)) return { script: fs.readFileSync(script, 'utf8'), style: fs.readFileSync(style, 'utf8') };
  }
  throw new Error('the HTML report needs dist/webview/report.js: run `npm run build` first');
}

export interface SimulateIo {
  out(text: string): void;
  err(text: string): void;
}

/** Runs `normscope simulate`; resolves to the exit code (0 ok, 2 usage or input problem). */
export async function simulateCommand(args: SimulateArgs, io: SimulateIo): Promise<number> {
  const source = readSourceFile(args.file);
  if (!source.ok) {
    io.err(`normscope: ${args.file}: ${source.message}\n`);
    return 2;
  }
  await initLinter();
  const found = networksFromSource(source.text, args.inputSize);
  if (found.models.length === 0) {
    io.err(`normscope: ${args.file}: ${found.reason ?? 'no model class found'}\n`);
    return 2;
  }
  const name = args.model ?? found.root;
  const entry = found.models.find((m) => m.name === name);
  if (!entry) {
    io.err(`normscope: ${args.file}: no model named '${name ?? ''}' (models: ${found.models.map((m) => m.name).join(', ')})\n`);
    return 2;
  }
  if (!entry.spec) {
    io.err(`normscope: ${args.file}: cannot simulate ${entry.name}: ${entry.reason ?? 'unsupported model'}\n`);
    return 2;
  }
  const options: SimulationOptions = normalizeOptions({
    ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
    ...(args.steps !== undefined ? { steps: args.steps } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
  });
  let result: SimulationResult;
  try {
    result = simulate(entry.spec, options);
  } catch (error) {
    io.err(`normscope: ${args.file}: cannot simulate ${entry.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  for (const w of result.warnings) io.err(`normscope: warning: ${w}\n`);
  const text = args.format === 'json' ? simulationJson(result) : reportHtml(result, reportAssets());
  if (args.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    fs.writeFileSync(args.out, text);
    io.err(`normscope: wrote ${args.out}\n`);
  } else {
    io.out(text);
  }
  return 0;
}
