import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';

const root = path.join(__dirname, '..', '..', '..', '..');

async function run(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const previous = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  } finally {
    process.chdir(previous);
  }
}

const BAD = 'import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\nbn = nn.BatchNorm2d(8, momentum=0.9)\n';
const WARN_ONLY = 'import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0.9)\n';
const CLEAN = 'import torch.nn as nn\nnorm = nn.GroupNorm(2, 10)\n';

describe('normscope lint (CLI)', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-cli-'));
    fs.mkdirSync(path.join(dir, 'pkg'));
    fs.writeFileSync(path.join(dir, 'pkg', 'bad.py'), BAD);
    fs.writeFileSync(path.join(dir, 'pkg', 'clean.py'), CLEAN);
    fs.writeFileSync(path.join(dir, 'pkg', 'notes.txt'), BAD);
    fs.mkdirSync(path.join(dir, 'venv-x', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'venv-x', 'pyvenv.cfg'), 'home = /usr/bin\n');
    fs.writeFileSync(path.join(dir, 'venv-x', 'lib', 'dep.py'), BAD);
    fs.mkdirSync(path.join(dir, '.hidden'));
    fs.writeFileSync(path.join(dir, '.hidden', 'h.py'), BAD);
    fs.mkdirSync(path.join(dir, 'site-packages'));
    fs.writeFileSync(path.join(dir, 'site-packages', 's.py'), BAD);
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints JSON per the contract and exits 1 on a warning (default --fail-on)', async () => {
    const r = await run(['lint', '--format', 'json', 'pkg'], dir);
    assert.strictEqual(r.code, 1, r.err);
    const json = JSON.parse(r.out) as { version: number; findings: Record<string, unknown>[]; errors: unknown[] };
    assert.strictEqual(json.version, 1);
    assert.deepStrictEqual(json.errors, []);
    assert.deepStrictEqual(json.findings[0], {
      file: path.join('pkg', 'bad.py'),
      line: 2,
      column: 8,
      endLine: 2,
      endColumn: 27,
      code: 'NRM401',
      rule: 'groupnorm-groups-indivisible',
      severity: 'error',
      message: json.findings[0]?.message,
    });
    assert.deepStrictEqual(json.findings.map((f) => f.code), ['NRM401', 'NRM301']);
  });

  it('skips virtual environments, hidden folders, site-packages and non-Python files when walking', async () => {
    const r = await run(['lint', '--format', 'json', '.'], dir);
    const files = new Set((JSON.parse(r.out) as { findings: { file: string }[] }).findings.map((f) => f.file));
    assert.deepStrictEqual([...files], [path.join('pkg', 'bad.py')]);
  });

  it('skips git-ignored paths', async function () {
    if (spawnSync('git', ['--version']).status !== 0) this.skip();
    spawnSync('git', ['init', '-q'], { cwd: dir });
    fs.writeFileSync(path.join(dir, '.gitignore'), 'pkg/bad.py\n');
    const r = await run(['lint', '--format', 'json', '.'], dir);
    assert.deepStrictEqual((JSON.parse(r.out) as { findings: unknown[] }).findings, []);
    assert.strictEqual(r.code, 0);
  });

  it('exit codes follow --fail-on', async () => {
    fs.writeFileSync(path.join(dir, 'warn.py'), WARN_ONLY);
    assert.strictEqual((await run(['lint', '--fail-on', 'error', 'warn.py'], dir)).code, 0);
    assert.strictEqual((await run(['lint', '--fail-on', 'warning', 'warn.py'], dir)).code, 1);
    assert.strictEqual((await run(['lint', '--fail-on', 'never', 'pkg'], dir)).code, 0);
    assert.strictEqual((await run(['lint', 'pkg/clean.py'], dir)).code, 0);
  });

  it('--select and --ignore take names, codes and code prefixes', async () => {
    const codes = async (...args: string[]) =>
      (JSON.parse((await run(['lint', '--format', 'json', ...args, 'pkg'], dir)).out) as { findings: { code: string }[] }).findings.map((f) => f.code);
    assert.deepStrictEqual(await codes('--select', 'NRM4'), ['NRM401']);
    assert.deepStrictEqual(await codes('--ignore', 'groupnorm-groups-indivisible'), ['NRM301']);
    assert.deepStrictEqual(await codes('--select=NRM301,NRM401', '--ignore', 'NRM301'), ['NRM401']);
  });

  it('--config reads [tool.normscope] from a pyproject.toml', async () => {
    fs.writeFileSync(
      path.join(dir, 'pyproject.toml'),
      '[project]\nname = "x"\n\n[tool.normscope]\nignore = ["NRM301"]\n\n[tool.normscope.rules.groupnorm-groups-indivisible]\nseverity = "warning"\n',
    );
    const r = await run(['lint', '--format', 'json', '--config', 'pyproject.toml', 'pkg'], dir);
    const findings = (JSON.parse(r.out) as { findings: { code: string; severity: string }[] }).findings;
    assert.deepStrictEqual(findings.map((f) => `${f.code}:${f.severity}`), ['NRM401:warning']);
  });

  it('reports binary, non-UTF-8 and missing files in errors and goes on', async () => {
    fs.writeFileSync(path.join(dir, 'pkg', 'binary.py'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    fs.writeFileSync(path.join(dir, 'pkg', 'latin1.py'), Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
    const r = await run(['lint', '--format', 'json', 'pkg', 'missing.py'], dir);
    const json = JSON.parse(r.out) as { findings: { file: string }[]; errors: { file: string; message: string }[] };
    assert.deepStrictEqual(json.errors.map((e) => e.file).sort(), ['missing.py', path.join('pkg', 'binary.py'), path.join('pkg', 'latin1.py')].sort());
    assert.ok(json.findings.some((f) => f.file === path.join('pkg', 'bad.py')));
    assert.strictEqual(r.code, 1);
  });

  it('lints a file with a syntax error from what parses', async () => {
    fs.writeFileSync(path.join(dir, 'broken.py'), 'import torch.nn as nn\ndef f(:\n    pass\ng = nn.GroupNorm(3, 10)\n');
    const r = await run(['lint', '--format', 'json', 'broken.py'], dir);
    assert.deepStrictEqual((JSON.parse(r.out) as { findings: { line: number }[] }).findings.map((f) => f.line), [4]);
  });

  it('text format: one line per finding and a summary', async () => {
    const r = await run(['lint', 'pkg'], dir);
    const lines = r.out.trim().split('\n');
    assert.match(lines[0] ?? '', /^pkg\/bad\.py:2:8: NRM401 \[error\] .* \(groupnorm-groups-indivisible\)$/);
    assert.strictEqual(lines[lines.length - 1], 'Found 2 findings (1 error, 1 warning) in 2 files.');
  });

  it('usage errors exit 2', async () => {
    assert.strictEqual((await run(['lint'])).code, 2);
    assert.strictEqual((await run(['lint', '--format', 'xml', 'a.py'])).code, 2);
    assert.strictEqual((await run(['frobnicate'])).code, 2);
    assert.strictEqual((await run(['lint', '--bogus', 'a.py'])).code, 2);
    assert.strictEqual((await run(['lint', path.join(dir, 'nope')])).code, 2);
  });

  it('the bundled dist/cli.js runs on its own (shebang, WASM next to it)', () => {
    const cli = path.join(root, 'dist', 'cli.js');
    const r = spawnSync(cli, ['lint', '--format', 'json', path.join(dir, 'pkg', 'bad.py')], { encoding: 'utf8', cwd: os.tmpdir() });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.strictEqual((JSON.parse(r.stdout) as { findings: unknown[] }).findings.length, 2);
  });
});
