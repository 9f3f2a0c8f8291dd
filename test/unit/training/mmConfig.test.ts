import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { lintPython } from '../../../src/lint/lint';
import { WorkspaceIndex } from '../../../src/parsing/workspace/index';
import { EMPTY_CONFIG } from '../../../src/rules/config';
import { RULES } from '../../../src/rules/catalogue';

// OpenMMLab config files (src/parsing/python/training/mmConfig.ts): the model dict's norm configs,
// the per-GPU batch, gradient accumulation and the runner's SyncBN conversion, as training IR.

const TRAINING_RULES = RULES.filter((r) => /^NRM1\d\d$/.test(r.meta.code));

function training(text: string) {
  return analysePythonFile(text).training;
}

/** The config's model variable's trainable BatchNorm kinds with their lines, or undefined without one. */
function trainableBatchNorms(text: string): string[] | undefined {
  const m = training(text).models.find((v) => v.name === 'model' && v.function === '<module>');
  return m?.facts.batchNorms.map((l) => `${l.kind} ${l.span ? l.span.start.line + 1 : '?'}`);
}

function findings(text: string): string[] {
  return lintPython(text, EMPTY_CONFIG, TRAINING_RULES).findings.map((f) => `${f.code} ${f.span.start.line + 1}`);
}

/** A config whose backbone and head take `backbone` / `head` as their norm settings. */
function config(backbone: string, head: string, loader = 'train_dataloader = dict(batch_size=2, num_workers=2)', extra = ''): string {
  return `norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    backbone=dict(type='ResNetV1c', depth=50${backbone}),
    decode_head=dict(type='FCNHead', in_channels=2048, channels=512${head}))
${loader}
${extra}`;
}

interface ConfigProject {
  readonly dir: string;
  readonly file: string;
  readonly index: WorkspaceIndex;
}

/** The temporary projects the tests made, removed when they are done. */
const projectDirs: string[] = [];

/** A temporary project of `files` (paths relative to it) with the config under test, `leaf`, at `leafPath`. */
function configProject(files: Record<string, string>, leafPath: string, leaf: string): ConfigProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-mm-'));
  projectDirs.push(dir);
  for (const [rel, text] of Object.entries({ ...files, [leafPath]: leaf })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return { dir, file: path.join(dir, leafPath), index: new WorkspaceIndex([dir]) };
}

describe('OpenMMLab config files', () => {
  after(() => {
    for (const dir of projectDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a head with BatchNorm trains its statistics; a backbone with norm_eval=False does too', () => {
    assert.deepStrictEqual(trainableBatchNorms(config(', norm_cfg=norm_cfg, norm_eval=False', ', norm_cfg=norm_cfg')), ['BatchNorm2d 1', 'BatchNorm2d 1']);
    assert.deepStrictEqual(findings(config('', ', norm_cfg=norm_cfg')), ['NRM102 6']);
  });

  it('norm_eval=True freezes the backbone\'s BatchNorm; a backbone that does not say keeps its class\'s default (not known)', () => {
    assert.deepStrictEqual(trainableBatchNorms(config(', norm_cfg=norm_cfg, norm_eval=True', '')), []);
    assert.deepStrictEqual(trainableBatchNorms(config(', norm_cfg=norm_cfg', '')), []);
    assert.deepStrictEqual(findings(config(', norm_cfg=norm_cfg, norm_eval=True', '')), []);
    // A norm_eval that does not resolve is not taken as either.
    assert.deepStrictEqual(trainableBatchNorms(config(', norm_cfg=norm_cfg, norm_eval=FREEZE', '')), []);
    // Named through a module-level constant.
    assert.deepStrictEqual(trainableBatchNorms('FREEZE = False\n' + config(', norm_cfg=norm_cfg, norm_eval=FREEZE', '')), ['BatchNorm2d 2']);
  });

  it("a backbone that leaves its norm to its class builds the class's default, known per default_scope (mmpretrain's ResNet trains BatchNorm, mmdetection's freezes it)", () => {
    const cfg = (scope: string, backbone: string, batch = 2) =>
      `${scope}model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=50${backbone}), head=dict(type='LinearClsHead', num_classes=10))\ntrain_dataloader = dict(batch_size=${batch})\n`;
    const facts = (text: string) => training(text).models.find((v) => v.name === 'model')?.facts;
    const pretrain = facts(cfg("default_scope = 'mmpretrain'\n", ''));
    assert.deepStrictEqual(pretrain?.batchNorms.map((l) => `${l.kind} ${l.via} ${l.span?.start.line}:${l.span?.start.column}`), ["BatchNorm2d ResNet's default norm_cfg 1:56"]);
    assert.deepStrictEqual(findings(cfg("default_scope = 'mmpretrain'\n", '')), ['NRM102 3']);
    assert.match(lintPython(cfg("default_scope = 'mmpretrain'\n", ''), EMPTY_CONFIG, TRAINING_RULES).findings[0]?.message ?? '', /trains BatchNorm \(BatchNorm2d \(ResNet's default norm_cfg, line 2\)\)/);
    // mmdetection's ResNet keeps its BatchNorm in eval mode unless norm_eval=False; its weights still train.
    const det = facts(cfg("default_scope = 'mmdet'\n", ''));
    assert.deepStrictEqual([det?.batchNorms.length, det?.affineNorms.length], [0, 1]);
    assert.deepStrictEqual(findings(cfg("default_scope = 'mmdet'\n", ', norm_eval=False')), ['NRM102 3']);
    // An explicit norm_cfg without norm_eval: the class's norm_eval default decides, now known.
    assert.deepStrictEqual(findings(cfg("default_scope = 'mmpretrain'\n", ", norm_cfg=dict(type='BN')")), ['NRM102 3']);
    assert.deepStrictEqual(findings(cfg("default_scope = 'mmdet'\n", ", norm_cfg=dict(type='BN')")), []);
    // No scope, a scope or a class not in the table, SyncBN given: nothing assumed.
    assert.deepStrictEqual(facts(cfg('', ''))?.affineNorms, []);
    assert.deepStrictEqual(facts(cfg("default_scope = 'mmocr'\n", ''))?.affineNorms, []);
    assert.deepStrictEqual(facts(cfg("default_scope = 'mmpretrain'\n", '').replace("type='ResNet'", "type='MyNet'"))?.affineNorms, []);
    assert.deepStrictEqual(findings(cfg("default_scope = 'mmpretrain'\n", ", norm_cfg=dict(type='SyncBN')")), []);
    // A transformer backbone's default LayerNorm is an affine norm (for NRM601), not BatchNorm.
    const vit = facts(cfg("default_scope = 'mmpretrain'\n", '').replace("type='ResNet', depth=50", "type='VisionTransformer', arch='b'"));
    assert.deepStrictEqual([vit?.batchNorms.length, vit?.affineNorms.map((l) => l.kind)], [0, ['LayerNorm']]);
  });

  it('norm_eval of an enclosing dict holds for the dicts inside it', () => {
    const text = `model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', norm_eval=True, stem=dict(norm_cfg=dict(type='BN'))),
    head=dict(type='LinearClsHead'))
train_dataloader = dict(batch_size=4)
`;
    assert.deepStrictEqual(trainableBatchNorms(text), []);
    assert.deepStrictEqual(trainableBatchNorms(text.replace('norm_eval=True', 'norm_eval=False')), ['BatchNorm2d 3']);
  });

  it('SyncBN, GN and LN are not BatchNorm that sees one GPU\'s batch; sync_bn=\'torch\' converts the rest', () => {
    assert.deepStrictEqual(findings(config('', ", norm_cfg=dict(type='SyncBN', requires_grad=True)")), []);
    assert.deepStrictEqual(findings(config('', ", norm_cfg=dict(type='GN', num_groups=32)")), []);
    assert.deepStrictEqual(findings(config('', ', norm_cfg=norm_cfg', undefined, "sync_bn = 'torch'")), []);
    assert.deepStrictEqual(training(config('', ', norm_cfg=norm_cfg', undefined, "sync_bn = 'torch'")).distributed.frameworkStrategies.map((s) => [s.text, s.syncBatchNorm]), [["sync_bn='torch'", true]]);
    // A class given as the type: `dict(type=nn.BatchNorm2d)`.
    assert.deepStrictEqual(trainableBatchNorms(config('', ', norm_cfg=dict(type=nn.BatchNorm2d)')), ['BatchNorm2d 5']);
  });

  it('lists of heads and dict literals are read; norm_cfg=None is no norm', () => {
    const text = `model = {
    'type': 'CascadeRCNN',
    'roi_head': dict(type='CascadeRoIHead', bbox_head=[dict(type='Head', norm_cfg={'type': 'BN'}), dict(type='Head', norm_cfg=None)]),
}
data = dict(samples_per_gpu=1, workers_per_gpu=2)
`;
    assert.deepStrictEqual(trainableBatchNorms(text), ['BatchNorm2d 3']);
    const [loader] = training(text).loaders;
    assert.ok(loader);
    assert.strictEqual(loader.framework, 'mmengine');
    assert.strictEqual(loader.variable, 'data');
    assert.strictEqual(loader.batchSize?.value, 1);
    assert.deepStrictEqual(loader.feeds, ['model']);
    // (BatchNorm2d at batch 1 still averages over pixels: NRM102, not NRM101's single value per channel.)
    assert.deepStrictEqual(findings(text), ['NRM102 5']);
  });

  it('the batch size resolves through constants; accumulation of both styles is read', () => {
    const engine = config('', ', norm_cfg=norm_cfg', 'BS = 4\ntrain_dataloader = dict(batch_size=BS)', 'optim_wrapper = dict(type="OptimWrapper", accumulative_counts=8)');
    const ir = training(engine);
    assert.strictEqual(ir.loaders[0]?.batchSize?.value, 4);
    assert.deepStrictEqual(ir.gradAccum.map((g) => [g.kind, g.steps.value, g.function]), [['framework-argument', 8, '<module>']]);
    assert.deepStrictEqual(findings(engine), ['NRM102 7', 'NRM103 8']);
    const legacy = config('', ', norm_cfg=norm_cfg', 'data = dict(samples_per_gpu=2)', "optimizer_config = dict(type='GradientCumulativeOptimizerHook', cumulative_iters=2)");
    assert.deepStrictEqual(training(legacy).gradAccum.map((g) => g.steps.value), [2]);
    // One accumulation step is no accumulation.
    assert.deepStrictEqual(training(engine.replace('accumulative_counts=8', 'accumulative_counts=1')).gradAccum, []);
  });

  it("reads the optimizer of both styles for NRM601: every parameter decays unless paramwise_cfg takes the norms out", () => {
    const decay = (optimizer: string, head = ', norm_cfg=norm_cfg') => {
      const text = config('', head, 'train_dataloader = dict(batch_size=16)', optimizer);
      return lintPython(text, EMPTY_CONFIG, RULES.filter((r) => r.meta.code === 'NRM601')).findings.map((f) => `${f.code} ${f.span.start.line + 1} ${f.message.slice(0, f.message.indexOf(' to every'))}`);
    };
    const sgd = "dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005)";
    assert.deepStrictEqual(decay(`optim_wrapper = dict(type='OptimWrapper', optimizer=${sgd})`), ["NRM601 7 This config's SGD applies weight decay 0.0005 (line 7)"]);
    // mmcv 1.x: the optimizer dict, its paramwise_cfg inside it; the message says where the option goes.
    assert.match(lintPython(config('', ', norm_cfg=norm_cfg', 'data = dict(samples_per_gpu=16)', `optimizer = ${sgd}`), EMPTY_CONFIG, RULES).findings.find((f) => f.code === 'NRM601')?.message ?? '', /Add paramwise_cfg=dict\(norm_decay_mult=0\.\) to `optimizer`/);
    assert.deepStrictEqual(decay(`optimizer = dict(type='SGD', lr=0.01, weight_decay=0.0005, paramwise_cfg=dict(norm_decay_mult=0.))`), []);
    // AdamW's own default decay (0.01) counts; an optimizer without decay does not.
    assert.deepStrictEqual(decay("optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-4))"), ["NRM601 7 This config's AdamW applies weight decay 0.01 (AdamW's default)"]);
    assert.deepStrictEqual(decay("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))"), []);
    // Taken out: norm_decay_mult=0, flat_decay_mult=0, a custom key for norm names, an own constructor, a paramwise_cfg not read.
    for (const paramwise of ['dict(norm_decay_mult=0.0, bias_decay_mult=0.0)', 'dict(flat_decay_mult=0.0)', "dict(custom_keys={'.bn': dict(decay_mult=0.0)})", "dict(custom_keys={'norm': dict(decay_mult=0)})", 'PARAMWISE']) {
      assert.deepStrictEqual(decay(`optim_wrapper = dict(optimizer=${sgd}, paramwise_cfg=${paramwise})`), [], paramwise);
    }
    assert.deepStrictEqual(decay(`optim_wrapper = dict(optimizer=${sgd}, constructor='LearningRateDecayOptimizerConstructor', paramwise_cfg=dict(decay_rate=0.9))`), []);
    // Not taken out: biases only, a custom key for other names, a norm multiplier that is not 0.
    for (const paramwise of ['dict(bias_decay_mult=0.0)', "dict(custom_keys={'head': dict(lr_mult=10.0), 'pos_embed': dict(decay_mult=0.0)})", 'dict(norm_decay_mult=0.5)']) {
      assert.deepStrictEqual(decay(`optim_wrapper = dict(optimizer=${sgd}, paramwise_cfg=${paramwise})`).length, 1, paramwise);
    }
    // Norm configs without trainable parameters (requires_grad=False), or none at all: nothing to decay.
    assert.deepStrictEqual(decay(`optim_wrapper = dict(optimizer=${sgd})`, ", norm_cfg=dict(type='BN', requires_grad=False)"), []);
    assert.deepStrictEqual(decay(`optim_wrapper = dict(optimizer=${sgd})`, ''), []);
    // The optimizer's class in the pure-Python style.
    assert.deepStrictEqual(decay('optim_wrapper = dict(optimizer=dict(type=torch.optim.SGD, lr=0.01, weight_decay=1e-4))').length, 1);
  });

  it('a module is a config only with a typed model dict and a training loader dict', () => {
    // A `_base_`-only leaf, a model without a type, a model that is a call, a script's variables.
    for (const text of [
      "_base_ = ['../_base_/models/pspnet_r50-d8.py']\ntrain_dataloader = dict(batch_size=2)\n",
      "model = dict(backbone=dict(norm_cfg=dict(type='BN')))\ntrain_dataloader = dict(batch_size=2)\n",
      "model = build_model(dict(type='X', head=dict(norm_cfg=dict(type='BN'))))\ntrain_dataloader = dict(batch_size=2)\n",
      config('', ', norm_cfg=norm_cfg', 'val_dataloader = dict(batch_size=1)'),
      config('', ', norm_cfg=norm_cfg', 'train_dataloader = dict(num_workers=2)'),
    ]) {
      const ir = training(text);
      assert.deepStrictEqual(ir.loaders.filter((l) => l.framework === 'mmengine'), [], text);
      assert.strictEqual(trainableBatchNorms(text), undefined, text);
    }
  });

  it('half-typed configs do not throw and give nothing false', () => {
    const text = config('', ', norm_cfg=norm_cfg');
    for (let cut = 0; cut <= text.length; cut += 7) {
      const part = text.slice(0, cut);
      const ir = training(part);
      for (const l of ir.loaders) if (l.framework === 'mmengine') assert.ok(l.batchSize === undefined || l.batchSize.value === undefined || l.batchSize.value === 2);
    }
  });

  describe('_base_ inheritance (through the workspace index)', () => {
    const MODEL_BASE = `norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    backbone=dict(type='ResNetV1c', depth=50, norm_cfg=norm_cfg, norm_eval=False),
    decode_head=dict(type='PSPHead', in_channels=2048, channels=512, norm_cfg=norm_cfg, num_classes=19))
`;
    const DATA_BASE = `dataset_type = 'CityscapesDataset'
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root='data/cityscapes/'))
`;
    const SCHEDULE_BASE = "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))\n";
    /** A project with the bases under configs/_base_ and `leaf` at configs/pspnet/leaf.py. */
    function project(leaf: string, extra: Record<string, string> = {}): ConfigProject {
      const bases = { 'configs/_base_/models/pspnet_r50-d8.py': MODEL_BASE, 'configs/_base_/datasets/cityscapes.py': DATA_BASE, 'configs/_base_/schedules/schedule_40k.py': SCHEDULE_BASE };
      return configProject({ ...bases, ...extra }, 'configs/pspnet/leaf.py', leaf);
    }
    const BASES = "_base_ = ['../_base_/models/pspnet_r50-d8.py', '../_base_/datasets/cityscapes.py', '../_base_/schedules/schedule_40k.py']\n";

    function lint(p: { file: string; index: WorkspaceIndex }, visited?: Set<string>) {
      return lintPython(fs.readFileSync(p.file, 'utf8'), EMPTY_CONFIG, TRAINING_RULES, p.index.analysisFor(p.file, visited)).findings;
    }

    it('a leaf that overrides SyncBN with BN inherits the batch of 2: NRM102 on the _base_ entry that brings the batch', () => {
      const leaf = BASES + "norm_cfg = dict(type='BN', requires_grad=True)\nmodel = dict(backbone=dict(norm_cfg=norm_cfg), decode_head=dict(norm_cfg=norm_cfg))\n";
      const p = project(leaf);
      const visited = new Set<string>();
      const found = lint(p, visited);
      assert.deepStrictEqual(found.map((f) => `${f.code} ${f.span.start.line + 1}:${f.span.start.column + 1}`), ['NRM102 1:48']);
      assert.match(found[0]?.message ?? '', /^model trains BatchNorm \(BatchNorm2d \(line 2\)\) with a per-device batch of 2 \(inherited from configs\/_base_\/datasets\/cityscapes\.py:3 through `_base_`, line 1\)/);
      // The bases are dependencies of the leaf's lint (the editor lints it again when one changes).
      assert.deepStrictEqual([...visited].map((f) => path.relative(p.dir, f)).sort(), ['configs/_base_/datasets/cityscapes.py', 'configs/_base_/models/pspnet_r50-d8.py', 'configs/_base_/schedules/schedule_40k.py']);
    });

    it("the bases' own values stand: the base model's SyncBN, a base's norm_cfg name a leaf redefines without passing it on", () => {
      assert.deepStrictEqual(lint(project(BASES)), []);
      // Redefining norm_cfg alone does not change the model the base built (MMEngine substitutes names per file).
      assert.deepStrictEqual(lint(project(BASES + "norm_cfg = dict(type='BN', requires_grad=True)\n")), []);
    });

    it("NRM601: a base's weight decay reaches the leaf's optimizer (cited on the _base_ entry), and a leaf's paramwise_cfg merges into the base's optim_wrapper", () => {
      const bn = "dict(type='BN', requires_grad=True)";
      const schedule = { 'configs/_base_/schedules/schedule_40k.py': "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005))\n" };
      const leaf = BASES + `model = dict(decode_head=dict(norm_cfg=${bn}))\ntrain_dataloader = dict(batch_size=16)\n`;
      const p = project(leaf, schedule);
      const found = lintPython(fs.readFileSync(p.file, 'utf8'), EMPTY_CONFIG, RULES.filter((r) => r.meta.code === 'NRM601'), p.index.analysisFor(p.file)).findings;
      assert.deepStrictEqual(found.map((f) => `${f.code} ${f.span.start.line + 1}:${f.span.start.column + 1}`), ['NRM601 1:84']);
      assert.match(found[0]?.message ?? '', /weight decay 0\.0005 \(inherited from configs\/_base_\/schedules\/schedule_40k\.py:1 through `_base_`, line 1\)/);
      const excluded = project(leaf + 'optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))\n', schedule);
      assert.deepStrictEqual(lintPython(fs.readFileSync(excluded.file, 'utf8'), EMPTY_CONFIG, RULES.filter((r) => r.meta.code === 'NRM601'), excluded.index.analysisFor(excluded.file)).findings, []);
    });

    it('dicts merge key by key; _delete_=True replaces; a leaf value replaces a base value', () => {
      const bn = "dict(type='BN', requires_grad=True)";
      // Key-by-key: the head keeps its type and channels and takes the BN config.
      const merged = project(BASES + `model = dict(decode_head=dict(norm_cfg=${bn}))\n`);
      assert.deepStrictEqual(lint(merged).map((f) => f.code), ['NRM102']);
      // The leaf's own batch replaces the base's: 16 per GPU is not tiny.
      assert.deepStrictEqual(lint(project(BASES + `model = dict(decode_head=dict(norm_cfg=${bn}))\ntrain_dataloader = dict(batch_size=16)\n`)).map((f) => f.code), []);
      // The leaf's batch of 4 lands on the leaf's own line.
      assert.deepStrictEqual(lint(project(BASES + `model = dict(decode_head=dict(norm_cfg=${bn}))\ntrain_dataloader = dict(batch_size=4)\n`)).map((f) => `${f.code} ${f.span.start.line + 1}`), ['NRM102 3']);
      // _delete_=True: the backbone dict is replaced, its norm_eval=False is gone, and the backbone's default decides (not known).
      const replaced = project(BASES + `model = dict(backbone=dict(_delete_=True, type='ResNet', depth=50, norm_cfg=${bn}))\n`);
      assert.deepStrictEqual(lint(replaced).map((f) => f.code), []);
      const kept = project(BASES + `model = dict(backbone=dict(type='ResNet', depth=50, norm_cfg=${bn}))\n`);
      assert.deepStrictEqual(lint(kept).map((f) => f.code), ['NRM102']);
    });

    it('bases of bases are followed; missing, package-scoped and cyclic bases are skipped', () => {
      const middle = "_base_ = ['../_base_/models/pspnet_r50-d8.py', '../_base_/datasets/cityscapes.py']\nnorm_cfg = dict(type='BN')\nmodel = dict(decode_head=dict(norm_cfg=norm_cfg))\n";
      const p = project("_base_ = './middle.py'\n", { 'configs/pspnet/middle.py': middle });
      const found = lint(p);
      assert.deepStrictEqual(found.map((f) => `${f.code} ${f.span.start.line + 1}`), ['NRM102 1']);
      assert.match(found[0]?.message ?? '', /BatchNorm2d \(configs\/pspnet\/middle\.py:2\)/);
      for (const leaf of ["_base_ = 'mmseg::_base_/models/pspnet_r50-d8.py'\n", "_base_ = './nowhere.py'\n", "_base_ = './leaf.py'\n"]) assert.deepStrictEqual(lint(project(leaf)), [], leaf);
      const cyclic = project("_base_ = './a.py'\n", { 'configs/pspnet/a.py': "_base_ = './b.py'\n", 'configs/pspnet/b.py': "_base_ = ['./a.py', '../_base_/datasets/cityscapes.py']\nmodel = dict(type='M', head=dict(norm_cfg=dict(type='BN')))\n" });
      assert.deepStrictEqual(lint(cyclic).map((f) => f.code), ['NRM102']);
    });

    it('an editor buffer of a base is read instead of the disk', () => {
      const leaf = BASES + "norm_cfg = dict(type='BN', requires_grad=True)\nmodel = dict(decode_head=dict(norm_cfg=norm_cfg))\n";
      const p = project(leaf);
      assert.deepStrictEqual(lint(p).map((f) => f.code), ['NRM102']);
      p.index.update(path.join(p.dir, 'configs/_base_/datasets/cityscapes.py'), DATA_BASE.replace('batch_size=2', 'batch_size=32'), '2');
      assert.deepStrictEqual(lint(p).map((f) => f.code), []);
      p.index.invalidate(path.join(p.dir, 'configs/_base_/datasets/cityscapes.py'));
      assert.deepStrictEqual(lint(p).map((f) => f.code), ['NRM102']);
    });

    it('the CLI reads the bases of a config it lints', async () => {
      const p = project(BASES + "norm_cfg = dict(type='BN', requires_grad=True)\nmodel = dict(decode_head=dict(norm_cfg=norm_cfg))\n");
      fs.writeFileSync(path.join(p.dir, 'pyproject.toml'), '[project]\nname = "seg"\n');
      let out = '';
      const code = await main(['lint', '--format', 'json', '--fail-on', 'never', p.file], { out: (t) => (out += t), err: () => undefined });
      assert.strictEqual(code, 0);
      const json = JSON.parse(out) as { findings: { code: string; line: number }[] };
      assert.deepStrictEqual(json.findings.map((f) => `${f.code} ${f.line}`), ['NRM102 1']);
    });
  });

  describe('pure-Python configs (MMEngine\'s new format: `with read_base():`)', () => {
    const MODEL = "from mmpretrain.models import ImageClassifier, ResNet, LinearClsHead\nmodel = dict(type=ImageClassifier, backbone=dict(type=ResNet, depth=18), head=dict(type=LinearClsHead, num_classes=10, norm_cfg=dict(type='BN', requires_grad=True)))\n";
    const DATA = 'train_dataloader = dict(batch_size=32, num_workers=4)\n';
    const SCHEDULE = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))\n";
    const READ_BASE = 'from mmengine.config import read_base\n\nwith read_base():\n    from .._base_.models.resnet18 import *\n    from .._base_.datasets.cifar import *\n    from .._base_.schedules.sgd import *\n\n';
    function project(leaf: string, extra: Record<string, string> = {}): ConfigProject {
      const bases = { 'configs/_base_/models/resnet18.py': MODEL, 'configs/_base_/datasets/cifar.py': DATA, 'configs/_base_/schedules/sgd.py': SCHEDULE };
      return configProject({ ...bases, ...extra }, 'configs/resnet/leaf.py', leaf);
    }
    const lint = (leaf: string, extra?: Record<string, string>) => {
      const p = project(leaf, extra);
      return lintPython(fs.readFileSync(p.file, 'utf8'), EMPTY_CONFIG, [...TRAINING_RULES, ...RULES.filter((r) => r.meta.code === 'NRM601')], p.index.analysisFor(p.file)).findings.map((f) => `${f.code} ${f.span.start.line + 1}:${f.span.start.column + 1}`);
    };

    it("imports its bases' names, then runs its statements in order: merge() and update() merge, attributes and items set entries", () => {
      // The bases alone: batch 32 (not tiny); the SGD decays the head's BN (NRM601, on the import that brings the optimizer).
      assert.deepStrictEqual(lint(READ_BASE), ['NRM601 6:10']);
      // merge() and update() change the batch the base set; the finding sits on the leaf's statement.
      assert.deepStrictEqual(lint(READ_BASE + 'train_dataloader.merge(dict(batch_size=2))\n').filter((f) => f.startsWith('NRM102')), ['NRM102 8:40']);
      assert.deepStrictEqual(lint(READ_BASE + 'train_dataloader.update(batch_size=2)\n').filter((f) => f.startsWith('NRM102')), ['NRM102 8:36']);
      assert.deepStrictEqual(lint(READ_BASE + 'train_dataloader.update(dict(batch_size=2))\n').filter((f) => f.startsWith('NRM102')), ['NRM102 8:41']);
      assert.deepStrictEqual(lint(READ_BASE + 'train_dataloader.batch_size = 2\n').filter((f) => f.startsWith('NRM102')), ['NRM102 8:31']);
      assert.deepStrictEqual(lint(READ_BASE + "train_dataloader['batch_size'] = 2\n").filter((f) => f.startsWith('NRM102')), ['NRM102 8:34']);
      // Entries set below the name: the optimizer's paramwise options.
      assert.deepStrictEqual(lint(READ_BASE + 'optim_wrapper.paramwise_cfg = dict(norm_decay_mult=0.0)\n'), []);
      // merge() with _delete_ replaces the head: its norm config is gone; the backbone's default BatchNorm (mmpretrain's ResNet) still decays.
      assert.deepStrictEqual(lint(READ_BASE + "model.merge(dict(head=dict(_delete_=True, type='LinearClsHead', num_classes=10)))\n"), ['NRM601 6:10']);
      assert.deepStrictEqual(lint(READ_BASE + "model.merge(dict(head=dict(_delete_=True, type='LinearClsHead', num_classes=10), backbone=dict(norm_cfg=dict(type='GN', num_groups=32))))\n"), ['NRM601 6:10']);
      assert.deepStrictEqual(lint(READ_BASE + "model.merge(dict(head=dict(_delete_=True, type='LinearClsHead', num_classes=10), backbone=dict(type=MyNet)))\n"), []);
    });

    it("a backbone class imported from a package has that package's defaults (these configs set default_scope = None)", () => {
      const facts = (imports: string, backbone = 'dict(type=ResNet, depth=50)') =>
        training(`${imports}\ndefault_scope = None\nmodel = dict(type=ImageClassifier, backbone=${backbone}, head=dict(type=LinearClsHead, num_classes=10))\ntrain_dataloader = dict(batch_size=2)\n`).models.find((v) => v.name === 'model')?.facts;
      const summary = (f: ReturnType<typeof facts>) => [f?.batchNorms.map((l) => `${l.kind} ${l.via}`), f?.affineNorms.length];
      // mmpretrain's ResNet trains its default BatchNorm; mmdetection's keeps it in eval mode (its weights still train).
      assert.deepStrictEqual(summary(facts('from mmpretrain.models import ImageClassifier, LinearClsHead, ResNet')), [["BatchNorm2d ResNet's default norm_cfg"], 1]);
      assert.deepStrictEqual(summary(facts('from mmpretrain.models import ImageClassifier, LinearClsHead\nfrom mmpretrain.models.backbones import ResNet')), [["BatchNorm2d ResNet's default norm_cfg"], 1]);
      assert.deepStrictEqual(summary(facts('from mmpretrain.models import ImageClassifier, LinearClsHead\nfrom mmdet.models import ResNet')), [[], 1]);
      assert.deepStrictEqual(summary(facts('import mmpretrain.models as M\nfrom mmpretrain.models import ImageClassifier, LinearClsHead', 'dict(type=M.ResNet, depth=50)')), [["BatchNorm2d ResNet's default norm_cfg"], 1]);
      // A class of another package, or a name not imported: nothing assumed.
      assert.deepStrictEqual(summary(facts('from mmpretrain.models import ImageClassifier, LinearClsHead\nfrom mynets import ResNet')), [[], 0]);
      assert.deepStrictEqual(summary(facts('from mmpretrain.models import ImageClassifier, LinearClsHead')), [[], 0]);
      // Imported through a base file: the base's import decides (the lint of the leaf reports the default BatchNorm at batch 2).
      assert.deepStrictEqual(lint(READ_BASE + 'train_dataloader.batch_size = 2\n').filter((f) => f.startsWith('NRM102')), ['NRM102 8:31']);
      assert.deepStrictEqual(lint(READ_BASE + 'train_dataloader.batch_size = 2\n', { 'configs/_base_/models/resnet18.py': MODEL.replace("norm_cfg=dict(type='BN', requires_grad=True)", "norm_cfg=dict(type='SyncBN', requires_grad=True)").replace('from mmpretrain.models import', 'from mynets import') }).filter((f) => f.startsWith('NRM102')), []);
    });

    it('a plain assignment replaces what a base set (Python runs the file), and later imports replace earlier ones', () => {
      // `model = dict(...)` without a type is not merged into the base's model: no model config, no facts.
      assert.deepStrictEqual(lint(READ_BASE + "model = dict(head=dict(norm_cfg=dict(type='GN', num_groups=2)))\ntrain_dataloader = dict(batch_size=2)\n"), []);
      const later = READ_BASE.replace('    from .._base_.schedules.sgd import *\n', '    from .._base_.schedules.sgd import *\n    from .._base_.datasets.tiny import *\n');
      assert.deepStrictEqual(lint(later, { 'configs/_base_/datasets/tiny.py': 'train_dataloader = dict(batch_size=2)\n' }).filter((f) => f.startsWith('NRM102')), ['NRM102 7:10']);
    });

    it('skips bases of installed packages, imports of single names, and half-typed text', () => {
      const absolute = 'from mmengine.config import read_base\nwith read_base():\n    from mmpretrain.configs._base_.models.resnet18 import *\n    from .._base_.datasets.cifar import train_dataloader\n';
      assert.deepStrictEqual(lint(absolute), []);
      for (const text of ['with read_base(:\n    from .._base_.models.resnet18 import *\n', 'with read_base():\n    from .. import *\ntrain_dataloader.merge(\n', 'with read_base():\n    pass\nmodel.backbone. = 3\n']) {
        assert.doesNotThrow(() => lint(text), text);
      }
    });
  });
});
