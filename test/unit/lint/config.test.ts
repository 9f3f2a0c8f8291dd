import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { loadConfigFile, ProjectConfigResolver } from '../../../src/lint/configFile';
import { RULES } from '../../../src/rules/catalogue';
import { mergeConfigs, parseLintConfig } from '../../../src/rules/config';

describe('configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };

  it('parses select/ignore/rules from untrusted data and names every problem', () => {
    const { config, problems } = parseLintConfig(
      { select: ['NRM4', 'bogus'], ignore: 'NRM301', selct: [], rules: { NRM401: { severity: 'loud' }, 'keras-momentum-in-torch': { severity: 'info', extra: 1 }, nope: {} } },
      RULES,
      'pyproject.toml',
    );
    assert.deepStrictEqual(config.select, ['NRM4', 'bogus']);
    assert.strictEqual(config.ignore, undefined);
    assert.deepStrictEqual(config.rules['keras-momentum-in-torch'], { severity: 'info', options: {} });
    assert.deepStrictEqual(problems, [
      "pyproject.toml: unknown key 'selct' (expected select, ignore, rules)",
      'pyproject.toml: ignore must be a list of rule names or codes',
      "pyproject.toml: unknown rule 'bogus'",
      "pyproject.toml: rules.NRM401.severity must be one of off, hint, info, warning, error",
      "pyproject.toml: rule 'keras-momentum-in-torch' has no option 'extra'",
      "pyproject.toml: unknown rule 'nope'",
    ]);
  });

  it('merges: the project file wins over the editor settings, key by key', () => {
    const editor = { select: ['NRM3'], ignore: ['NRM901'], rules: { 'keras-momentum-in-torch': { severity: 'error' as const, options: { a: 1 } } } };
    const project = { ignore: ['NRM401'], rules: { 'keras-momentum-in-torch': { options: { b: 2 } }, 'groupnorm-groups-indivisible': { severity: 'off' as const, options: {} } } };
    assert.deepStrictEqual(mergeConfigs(editor, project), {
      select: ['NRM3'],
      ignore: ['NRM401'],
      rules: {
        'keras-momentum-in-torch': { severity: 'error', options: { a: 1, b: 2 } },
        'groupnorm-groups-indivisible': { severity: 'off', options: {} },
      },
    });
  });

  it('finds the nearest pyproject.toml with a [tool.normscope] table, passing over those without', () => {
    write('pyproject.toml', '[tool.normscope]\nignore = ["NRM301"]\n');
    write('pkg/pyproject.toml', '[project]\nname = "pkg"\n');
    write('pkg/sub/pyproject.toml', '[tool.normscope]\nselect = ["NRM4"]\n');
    const resolver = new ProjectConfigResolver();
    assert.deepStrictEqual(resolver.forFile(path.join(dir, 'pkg', 'a.py')).config.ignore, ['NRM301']);
    assert.strictEqual(resolver.forFile(path.join(dir, 'pkg', 'a.py')).file, path.join(dir, 'pyproject.toml'));
    assert.deepStrictEqual(resolver.forFile(path.join(dir, 'pkg', 'sub', 'deep', 'b.py')).config.select, ['NRM4']);
  });

  it('re-reads a changed pyproject.toml (cache keyed on mtime and size)', () => {
    write('pyproject.toml', '[tool.normscope]\nignore = ["NRM301"]\n');
    const resolver = new ProjectConfigResolver();
    const file = path.join(dir, 'a.py');
    assert.deepStrictEqual(resolver.forFile(file).config.ignore, ['NRM301']);
    assert.strictEqual(resolver.forFile(file), resolver.forFile(file), 'cached');
    write('pyproject.toml', '[tool.normscope]\nignore = ["NRM301", "NRM401"]\n');
    fs.utimesSync(path.join(dir, 'pyproject.toml'), new Date(), new Date(Date.now() + 5000));
    assert.deepStrictEqual(resolver.forFile(file).config.ignore, ['NRM301', 'NRM401']);
    fs.rmSync(path.join(dir, 'pyproject.toml'));
    assert.strictEqual(resolver.forFile(file).file, undefined);
  });

  it('a broken pyproject.toml is a clear problem, not a crash', () => {
    write('pyproject.toml', '[tool.normscope\nignore = [\n');
    const r = new ProjectConfigResolver().forFile(path.join(dir, 'a.py'));
    assert.strictEqual(r.problems.length, 1);
    assert.match(r.problems[0], /cannot read .*pyproject\.toml: .*not applied/);
    assert.throws(() => loadConfigFile(path.join(dir, 'pyproject.toml')), /cannot read configuration/);
    write('other.toml', 'select = ["NRM4"]\n');
    assert.deepStrictEqual(loadConfigFile(path.join(dir, 'other.toml')).config.select, ['NRM4']);
    write('plain/pyproject.toml', '[project]\nname = "x"\n');
    assert.match(loadConfigFile(path.join(dir, 'plain', 'pyproject.toml')).problems[0], /has no \[tool\.normscope\] table/);
  });

  describe('CLI', () => {
    async function run(args: string[]) {
      let out = '';
      let err = '';
      const previous = process.cwd();
      process.chdir(dir);
      try {
        const exit = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
        return { exit, out, err, codes: args.includes('json') ? (JSON.parse(out) as { findings: { code: string; severity: string; file: string }[] }).findings : [] };
      } finally {
        process.chdir(previous);
      }
    }
    const BAD = 'import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\nbn = nn.BatchNorm2d(8, momentum=0.9)\n';

    it('without --config, each file takes its nearest pyproject.toml; flags apply on top', async () => {
      write('pyproject.toml', '[tool.normscope]\nignore = ["NRM301"]\n[tool.normscope.rules.NRM401]\nseverity = "info"\n');
      write('a/x.py', BAD);
      write('b/pyproject.toml', '[tool.normscope]\nselect = ["keras-momentum-in-torch"]\n');
      write('b/y.py', BAD);
      const r = await run(['lint', '--format', 'json', '.']);
      assert.deepStrictEqual(r.codes.map((f) => `${f.file}:${f.code}:${f.severity}`), [`${path.join('a', 'x.py')}:NRM401:info`, `${path.join('b', 'y.py')}:NRM301:warning`]);
      assert.strictEqual(r.exit, 1);
      const flagged = await run(['lint', '--format', 'json', '--ignore', 'NRM401', '--fail-on', 'never', '.']);
      assert.deepStrictEqual(flagged.codes.map((f) => f.code), ['NRM301']);
    });

    it('--config wins over discovery; config problems go to stderr once, the run goes on', async () => {
      write('pyproject.toml', '[tool.normscope]\nignore = ["NRM301"]\n');
      write('ci.toml', 'select = ["NRM3", "NRM77"]\n');
      write('x.py', BAD);
      write('y.py', BAD);
      const r = await run(['lint', '--format', 'json', '--config', 'ci.toml', '.']);
      assert.deepStrictEqual(r.codes.map((f) => f.code), ['NRM301', 'NRM301']);
      assert.strictEqual(r.err, "normscope: warning: ci.toml: unknown rule 'NRM77'\n");
      write('pyproject.toml', '[tool.normscope]\nselect = "NRM3"\n');
      const d = await run(['lint', '--format', 'json', '.']);
      assert.strictEqual(d.err.split('\n').filter((l) => l.length > 0).length, 1, d.err);
      assert.match(d.err, /select must be a list/);
      assert.strictEqual(d.codes.length, 4, 'the bad key is skipped, the rest applies');
      const missing = await run(['lint', '--config', 'nope.toml', 'x.py']);
      assert.strictEqual(missing.exit, 2);
      assert.match(missing.err, /cannot read configuration nope\.toml/);
    });
  });
});
