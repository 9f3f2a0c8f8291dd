import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analysePython, lintPython } from '../../../src/lint/lint';
import type { Span } from '../../../src/ir/span';
import { RULES } from '../../../src/rules/catalogue';
import { EMPTY_CONFIG } from '../../../src/rules/config';

const ROOT = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'training');
const TRAINING_RULES = RULES.filter((r) => /^NRM(1\d\d|2\d\d|601)$/.test(r.meta.code));

/** The example training scripts the demo lints (examples/) are buggy fixtures too, read from there. */
const EXAMPLES = path.join(ROOT, '..', '..', '..', 'examples');
const EXAMPLE_SCRIPTS = ['finetune_frozen_backbone.py', 'train_segmentation.py'];

function fixtures(kind: 'clean' | 'buggy'): string[] {
  const own = fs.readdirSync(path.join(ROOT, kind)).filter((f) => f.endsWith('.py'));
  return (kind === 'buggy' ? [...own, ...EXAMPLE_SCRIPTS] : own).sort();
}

function read(kind: string, name: string): string {
  return fs.readFileSync(kind === 'buggy' && EXAMPLE_SCRIPTS.includes(name) ? path.join(EXAMPLES, name) : path.join(ROOT, kind, name), 'utf8');
}

/** The training IR as readable JSON: spans as `L12:5-L12:40` (1-based), no offsets. */
export function readableTraining(text: string): unknown {
  const ir = analysePython(text).training;
  const isSpan = (v: unknown): v is Span => typeof v === 'object' && v !== null && 'startOffset' in v && 'start' in v;
  return JSON.parse(
    JSON.stringify(ir, (_key, value: unknown) => (isSpan(value) ? `L${value.start.line + 1}:${value.start.column + 1}-L${value.end.line + 1}:${value.end.column + 1}` : value)),
  );
}

describe('training fixtures', () => {
  describe('realistic clean training scripts have no training findings', () => {
    for (const name of fixtures('clean')) {
      it(name, () => {
        const text = read('clean', name);
        const result = lintPython(text, EMPTY_CONFIG, TRAINING_RULES);
        assert.deepStrictEqual(result.failures, []);
        assert.deepStrictEqual(result.findings.map((f) => `${f.code} ${f.span.start.line + 1}: ${f.message}`), []);
      });
    }
  });

  describe('buggy scripts report each planted pitfall', () => {
    const expected: Record<string, string[]> = {
      'train_segmentation.py': ['NRM202 58', 'NRM102 69', 'NRM601 71'],
      'finetune_frozen_backbone.py': ['NRM203 17', 'NRM205 26', 'NRM204 42'],
      'mlp_accumulation.py': ['NRM104 12', 'NRM102 12', 'NRM601 13', 'NRM103 18', 'NRM202 22', 'NRM204 24'],
      'accelerate_small_batch.py': ['NRM103 19', 'NRM102 21'],
      'deepspeed_cifar.py': ['NRM102 31', 'NRM103 32', 'NRM201 74'],
      'hf_trainer_tabular.py': ['NRM104 31', 'NRM102 33', 'NRM103 35'],
      'lightning_segmentation.py': ['NRM102 48', 'NRM103 56'],
      'mmseg_single_gpu_config.py': ['NRM102 66', 'NRM601 76', 'NRM103 77'],
      'keras_finetune_flowers.py': ['NRM205 33', 'NRM102 45'],
      'keras_inception_finetune.py': ['NRM205 39'],
      'ddp_trainer_class.py': ['NRM105 25', 'NRM202 41', 'NRM102 54'],
    };
    for (const name of fixtures('buggy')) {
      it(name, () => {
        const result = lintPython(read('buggy', name), EMPTY_CONFIG, TRAINING_RULES);
        assert.deepStrictEqual(result.findings.map((f) => `${f.code} ${f.span.start.line + 1}`), expected[name]);
      });
    }
  });

  describe('training IR snapshots (set NORMSCOPE_UPDATE_SNAPSHOTS=1 to rewrite)', () => {
    const update = process.env.NORMSCOPE_UPDATE_SNAPSHOTS === '1';
    for (const kind of ['clean', 'buggy'] as const) {
      for (const name of fixtures(kind)) {
        it(`${kind}/${name}`, () => {
          const actual = JSON.stringify(readableTraining(read(kind, name)), null, 2) + '\n';
          const file = path.join(ROOT, 'snapshots', `${kind}-${name.replace(/\.py$/, '')}.json`);
          if (update) fs.writeFileSync(file, actual);
          assert.ok(fs.existsSync(file), `snapshot ${file} is missing (run with NORMSCOPE_UPDATE_SNAPSHOTS=1)`);
          assert.strictEqual(actual, fs.readFileSync(file, 'utf8'));
        });
      }
    }
  });
});
