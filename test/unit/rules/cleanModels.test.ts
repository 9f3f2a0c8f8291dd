import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lintPython } from '../../../src/lint/lint';

/**
 * Precision: realistic, correct model code written in the style of well-known implementations
 * (torchvision ResNet, ConvNeXt, timm ViT, Llama, detectron2/mmdet, Keras MobileNet, Flax ResNet,
 * VGG) must produce no finding at all.
 */
const dir = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');

describe('clean look-alikes of real models produce no findings', () => {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.py')).sort()) {
    it(file, () => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const result = lintPython(text);
      assert.deepStrictEqual(result.failures, []);
      assert.deepStrictEqual(
        result.findings.map((f) => `${f.code} ${f.span.start.line + 1}:${f.span.start.column + 1} ${f.message}`),
        [],
      );
    });
  }
});
