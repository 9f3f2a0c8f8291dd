// The integration runner's install bookkeeping (test/runner/install.ts): completion marker and
// lock file. The real installs (Node 24, code-server) are exercised by the integration suite.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureInstalled, MARKER, withLock } from '../../runner/install';

const quiet = () => undefined;

describe('integration runner install bookkeeping', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-install-test-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs once, writes the marker after the install, and skips when the marker is there', () => {
    const dir = path.join(tmp, 'tool-1.0');
    let runs = 0;
    const install = (d: string) => {
      runs++;
      assert.ok(!fs.existsSync(path.join(d, MARKER)), 'marker written before the install finished');
      fs.writeFileSync(path.join(d, 'bin'), 'x');
    };
    ensureInstalled(dir, 'tool', install, quiet);
    ensureInstalled(dir, 'tool', install, quiet);
    assert.strictEqual(runs, 1);
    assert.ok(fs.existsSync(path.join(dir, MARKER)));
    assert.ok(!fs.existsSync(`${dir}.lock`), 'lock file left behind');
  });

  it('redoes an interrupted install (a folder without marker) from scratch', () => {
    const dir = path.join(tmp, 'tool-1.0');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'half-written'), 'x');
    ensureInstalled(dir, 'tool', (d) => fs.writeFileSync(path.join(d, 'bin'), 'x'), quiet);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), [MARKER, 'bin'].sort());
  });

  it('leaves no marker when the install fails, and retries on the next run', () => {
    const dir = path.join(tmp, 'tool-1.0');
    assert.throws(
      () =>
        ensureInstalled(
          dir,
          'tool',
          () => {
            throw new Error('network down');
          },
          quiet,
        ),
      /network down/,
    );
    assert.ok(!fs.existsSync(path.join(dir, MARKER)));
    assert.ok(!fs.existsSync(`${dir}.lock`), 'lock file left behind after a failure');
    let runs = 0;
    ensureInstalled(dir, 'tool', () => runs++, quiet);
    assert.strictEqual(runs, 1);
  });

  it('takes over a lock whose owner process is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const lock = path.join(tmp, 'x.lock');
    fs.writeFileSync(lock, `${gone.stdout} somehost\n`);
    const messages: string[] = [];
    assert.strictEqual(
      withLock(lock, 5000, () => 42, (m) => messages.push(m)),
      42,
    );
    assert.match(messages.join('\n'), /stale lock/);
    assert.ok(!fs.existsSync(lock));
  });

  it('lets only one of two concurrent processes install', () => {
    const dir = path.join(tmp, 'tool-1.0');
    const runsLog = path.join(tmp, 'runs.log');
    const installJs = path.join(__dirname, '..', '..', 'runner', 'install.js');
    // Each child installs with a 600 ms install step; both start at once.
    const child = `
      const fs = require('fs');
      const { ensureInstalled } = require(${JSON.stringify(installJs)});
      ensureInstalled(${JSON.stringify(dir)}, 'tool', (d) => {
        fs.appendFileSync(${JSON.stringify(runsLog)}, process.pid + '\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
        fs.writeFileSync(d + '/bin', 'x');
      }, () => {});
      if (!fs.existsSync(${JSON.stringify(path.join(dir, MARKER))})) process.exit(3);
    `;
    const script = path.join(tmp, 'child.js');
    fs.writeFileSync(script, child);
    const both = spawnSync(
      process.execPath,
      ['-e', `const { spawn } = require('child_process'); let left = 2, bad = 0;
        for (let i = 0; i < 2; i++) spawn(process.execPath, [${JSON.stringify(script)}], { stdio: 'inherit' })
          .on('exit', (c) => { if (c !== 0) bad++; if (--left === 0) process.exit(bad); });`],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.strictEqual(both.status, 0, both.stderr);
    assert.strictEqual(fs.readFileSync(runsLog, 'utf8').trim().split('\n').length, 1);
  });
});
