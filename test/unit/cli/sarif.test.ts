import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { formatJson, formatText } from '../../../src/cli/format';
import { artifactUri, formatSarif } from '../../../src/cli/sarif';
import type { Finding } from '../../../src/rules/types';
import { RULES } from '../../../src/rules/catalogue';
import { renderRuleDoc } from '../../../src/rules/docs';

type Json = Record<string, unknown>;

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  } finally {
    process.chdir(previous);
  }
}

const obj = (v: unknown, what: string): Json => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} must be an object`);
  return v as Json;
};
const arr = (v: unknown, what: string): unknown[] => {
  assert.ok(Array.isArray(v), `${what} must be an array`);
  return v;
};
const str = (v: unknown, what: string): string => {
  assert.strictEqual(typeof v, 'string', `${what} must be a string`);
  return v as string;
};
const posInt = (v: unknown, what: string): number => {
  assert.ok(Number.isInteger(v) && (v as number) >= 1, `${what} must be an integer >= 1 (got ${String(v)})`);
  return v as number;
};

/** The SARIF 2.1.0 requirements GitHub code scanning checks on upload, plus our own promises. */
function checkRegion(r: unknown, what: string): void {
  const region = obj(r, what);
  const startLine = posInt(region.startLine, `${what}.startLine`);
  const startColumn = posInt(region.startColumn, `${what}.startColumn`);
  const endLine = posInt(region.endLine, `${what}.endLine`);
  const endColumn = posInt(region.endColumn, `${what}.endColumn`);
  assert.ok(endLine > startLine || (endLine === startLine && endColumn >= startColumn), `${what} ends before it starts`);
}

function checkPhysical(l: unknown, what: string): void {
  const physical = obj(obj(l, what).physicalLocation, `${what}.physicalLocation`);
  const artifact = obj(physical.artifactLocation, `${what}.artifactLocation`);
  const uri = str(artifact.uri, `${what}.artifactLocation.uri`);
  assert.ok(!uri.includes('\\'), 'URIs use forward slashes');
  if (artifact.uriBaseId !== undefined) assert.ok(!uri.startsWith('/') && !/^[a-z]+:/.test(uri), 'a uri with a base id is relative');
  checkRegion(physical.region, `${what}.region`);
}

function validateSarif(doc: unknown): Json {
  const root = obj(doc, 'log');
  assert.strictEqual(root.version, '2.1.0');
  str(root.$schema, '$schema');
  const runs = arr(root.runs, 'runs');
  assert.strictEqual(runs.length, 1);
  const run0 = obj(runs[0], 'run');
  assert.strictEqual(run0.columnKind, 'utf16CodeUnits');
  const driver = obj(obj(run0.tool, 'tool').driver, 'tool.driver');
  str(driver.name, 'driver.name');
  const rules = arr(driver.rules, 'driver.rules').map((r, i) => obj(r, `rules[${i}]`));
  const ids = rules.map((r, i) => str(r.id, `rules[${i}].id`));
  assert.strictEqual(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const [i, r] of rules.entries()) {
    str(obj(r.shortDescription, 'shortDescription').text, `rules[${i}].shortDescription.text`);
    str(obj(r.fullDescription, 'fullDescription').text, `rules[${i}].fullDescription.text`);
    str(obj(r.help, 'help').markdown, `rules[${i}].help.markdown`);
    assert.ok(['error', 'warning', 'note', 'none'].includes(str(obj(r.defaultConfiguration, 'dc').level, 'level')));
    if (r.helpUri !== undefined) assert.match(str(r.helpUri, 'helpUri'), /^https:\/\//);
  }
  const base = obj(obj(run0.originalUriBaseIds, 'originalUriBaseIds')['%SRCROOT%'], '%SRCROOT%');
  assert.match(str(base.uri, 'SRCROOT uri'), /^file:\/\/\/.*\/$/);
  for (const [i, r] of arr(run0.results, 'results').entries()) {
    const result = obj(r, `results[${i}]`);
    const ruleId = str(result.ruleId, 'ruleId');
    const ruleIndex = result.ruleIndex as number;
    assert.strictEqual(ids[ruleIndex], ruleId, 'ruleIndex points at the rule with ruleId');
    assert.ok(['error', 'warning', 'note', 'none'].includes(str(result.level, 'level')));
    str(obj(result.message, 'message').text, 'message.text');
    const locations = arr(result.locations, 'locations');
    assert.strictEqual(locations.length, 1);
    checkPhysical(locations[0], `results[${i}].locations[0]`);
    for (const [k, rel] of arr(result.relatedLocations ?? [], 'relatedLocations').entries()) {
      checkPhysical(rel, `results[${i}].relatedLocations[${k}]`);
      str(obj(obj(rel, 'rel').message, 'rel.message').text, 'related message');
    }
  }
  return run0;
}

describe('normscope lint --format sarif', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-sarif-'));
    fs.mkdirSync(path.join(dir, 'src dir'));
    fs.writeFileSync(path.join(dir, 'src dir', 'model.py'), 'import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\nbn = nn.BatchNorm2d(8, momentum=0.9)\nok = nn.GroupNorm(2, 4)  # noqa: NRM401\n');
    fs.writeFileSync(path.join(dir, 'bin.py'), Buffer.from([0, 1, 2, 3]));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('emits valid SARIF 2.1.0 with every rule, results with regions and ruleIndex', async () => {
    const r = await run(['lint', '--format', 'sarif', '.'], dir);
    assert.strictEqual(r.code, 1, r.err);
    const run0 = validateSarif(JSON.parse(r.out));
    const driver = obj(obj(run0.tool, 't').driver, 'd');
    const rules = arr(driver.rules, 'rules') as Json[];
    assert.deepStrictEqual(rules.map((x) => x.id), RULES.map((x) => x.meta.code));
    const nrm401 = rules.find((x) => x.id === 'NRM401');
    assert.ok(nrm401);
    assert.strictEqual(nrm401.name, 'groupnorm-groups-indivisible');
    assert.strictEqual(obj(nrm401.help, 'help').markdown, renderRuleDoc(RULES.find((x) => x.meta.code === 'NRM401')!.meta));
    assert.strictEqual(nrm401.helpUri, undefined, 'no invented URLs');
    assert.deepStrictEqual(obj(nrm401.defaultConfiguration, 'dc').level, 'error');
    const results = arr(run0.results, 'results') as Json[];
    assert.deepStrictEqual(results.map((x) => `${String(x.ruleId)}:${String(x.level)}`), ['NRM401:error', 'NRM301:warning', 'NRM901:warning']);
    const loc = obj(obj((results[0].locations as Json[])[0], 'l').physicalLocation, 'p');
    assert.deepStrictEqual(loc.artifactLocation, { uri: 'src%20dir/model.py', uriBaseId: '%SRCROOT%' });
    assert.deepStrictEqual(loc.region, { startLine: 2, startColumn: 8, endLine: 2, endColumn: 27 });
    const notes = arr(obj(arr(run0.invocations, 'inv')[0], 'i').toolExecutionNotifications, 'n') as Json[];
    assert.strictEqual(notes.length, 1);
    assert.match(str(obj(notes[0].message, 'm').text, 'text'), /binary/);
  });

  it('uses absolute file URIs outside the working folder', () => {
    assert.deepStrictEqual(artifactUri('a/b c.py', '/work'), { uri: 'a/b%20c.py', uriBaseId: '%SRCROOT%' });
    assert.deepStrictEqual(artifactUri('/elsewhere/x.py', '/work'), { uri: 'file:///elsewhere/x.py' });
    assert.deepStrictEqual(artifactUri('../x.py', '/work/sub'), { uri: 'file:///work/x.py' });
  });

  it('carries related locations and notebook cells (SARIF, JSON extension fields, text notes)', () => {
    const span = (line: number, column: number, end: number) => ({ start: { line, column }, end: { line, column: end }, startOffset: 0, endOffset: 0 });
    const finding: Finding = {
      cell: 2,
      code: 'NRM401',
      rule: 'groupnorm-groups-indivisible',
      severity: 'error',
      messageId: 'indivisible',
      message: 'GroupNorm splits 10 channels into 3 groups',
      span: span(4, 2, 9),
      related: [{ span: span(0, 0, 5), message: 'channels from here', cell: 1 }],
    };
    const results = [{ file: 'nb.ipynb', findings: [finding] }];
    const run0 = validateSarif(JSON.parse(formatSarif(results, [], RULES, { cwd: '/w', version: '1.0.0' })));
    const result = (run0.results as Json[])[0];
    assert.strictEqual((result.message as Json).text, '[cell 3] GroupNorm splits 10 channels into 3 groups');
    assert.deepStrictEqual(result.properties, { cell: 3, cellLine: 5, cellColumn: 3 });
    assert.deepStrictEqual(result.relatedLocations, [
      { id: 1, message: { text: '[cell 2] channels from here' }, physicalLocation: { artifactLocation: { uri: 'nb.ipynb', uriBaseId: '%SRCROOT%' }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 6 } } },
    ]);
    const json = JSON.parse(formatJson(results, [])) as { findings: Json[] };
    assert.deepStrictEqual(json.findings[0].related, [{ line: 1, column: 1, endLine: 1, endColumn: 6, message: 'channels from here', cell: 2 }]);
    assert.strictEqual(json.findings[0].cell, 3);
    assert.deepStrictEqual(formatText(results, [], 1).split('\n').slice(0, 2), [
      'nb.ipynb:cell 3:5:3: NRM401 [error] GroupNorm splits 10 channels into 3 groups (groupnorm-groups-indivisible)',
      '    nb.ipynb:cell 2:1:1: note: channels from here',
    ]);
  });

  it('catches a broken document (the checker can fail)', () => {
    const good = { version: '2.1.0', $schema: 'x', runs: [{ columnKind: 'utf16CodeUnits', tool: { driver: { name: 'n', rules: [] } }, originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///w/' } }, results: [] }] };
    validateSarif(good);
    const bad = JSON.parse(JSON.stringify(good)) as { runs: { results: unknown[] }[] };
    bad.runs[0].results.push({ ruleId: 'NRM101', ruleIndex: 0, level: 'error', message: { text: 'm' }, locations: [] });
    assert.throws(() => validateSarif(bad));
  });
});
