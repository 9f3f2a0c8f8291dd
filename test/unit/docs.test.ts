import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { expectedDocs } from '../../scripts/generate-docs';
import { RULES } from '../../src/rules/catalogue';

const root = path.join(__dirname, '..', '..', '..');

describe('rule catalogue and docs', () => {
  it('has unique, well-formed codes and names', () => {
    const codes = RULES.map((r) => r.meta.code);
    const names = RULES.map((r) => r.meta.name);
    assert.strictEqual(new Set(codes).size, codes.length);
    assert.strictEqual(new Set(names).size, names.length);
    for (const { meta } of RULES) {
      assert.match(meta.code, /^NRM\d{3}$/);
      assert.match(meta.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(meta.docs.references.length > 0, `${meta.name} cites its source`);
    }
  });

  it('docs/rules and the README catalogue are current (run `npm run docs`)', () => {
    for (const doc of expectedDocs(root)) {
      assert.ok(fs.existsSync(doc.file), `${path.relative(root, doc.file)} is missing`);
      assert.strictEqual(fs.readFileSync(doc.file, 'utf8'), doc.content, `${path.relative(root, doc.file)} is out of date`);
    }
  });
});
