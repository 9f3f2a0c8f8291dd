import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { summarizeModel } from '../helpers/irSummary';

/**
 * Snapshot tests of the model IR for the fixture models. Each `<name>.py` has a readable
 * `<name>.ir.json` beside it; to accept a changed IR, run `UPDATE_SNAPSHOTS=1 npm run test:unit`
 * and review the diff.
 */
const dir = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const update = process.env.UPDATE_SNAPSHOTS === '1';

describe('model IR snapshots', () => {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.py')).sort()) {
    it(file, () => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const actual = `${JSON.stringify(summarizeModel(analysePythonFile(text).model), null, 2)}\n`;
      const snapshot = path.join(dir, file.replace(/\.py$/, '.ir.json'));
      if (update || !fs.existsSync(snapshot)) {
        if (!update) assert.fail(`${path.basename(snapshot)} is missing: run UPDATE_SNAPSHOTS=1 npm run test:unit`);
        fs.writeFileSync(snapshot, actual);
        return;
      }
      assert.strictEqual(actual, fs.readFileSync(snapshot, 'utf8'), `${path.basename(snapshot)} differs (UPDATE_SNAPSHOTS=1 npm run test:unit to accept)`);
    });
  }
});
