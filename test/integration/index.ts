// The extension-tests entry (VS Code's `extensionTestsPath`): runs the mocha suite inside the
// extension host. Pass/fail counts go to the file named by NORMSCOPE_COUNTS_FILE (the same
// reporter as the unit suite), so `npm test` can add them into its final line.
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    reporter: path.join(REPO_ROOT, 'scripts', 'count-reporter.js'),
  });
  const grep = process.env.NORMSCOPE_INTEGRATION_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
