import { describeOrigin } from '../../ir/training';
import { evidenceNote, insertBefore, isModeDependentFacts, isUntrainedSmokeTest, layerLocations, lowerSeverity, modeEffects, originsOf, siteFunction, trainingFlagNote } from '../shared/training';
import type { FileIR } from '../../ir/file';
import type { LayerCall } from '../../ir/model';
import type { Span } from '../../ir/span';
import type { KnownValue, LayerFact, ModeArgumentContext, ModelFacts } from '../../ir/training';
import type { Where } from '../../ir/values';
import type { RelatedLocation, Rule, RuleContext } from '../types';

/** Words of an evaluation function's name (`test_step`, `evaluate`, `predict`), not of sampling or generation (pix2pix keeps batch statistics there on purpose). */
const EVAL_WORDS = new Set(['val', 'valid', 'validate', 'validation', 'eval', 'evaluate', 'evaluation', 'evaluator', 'test', 'testing', 'predict', 'prediction', 'predictions', 'inference', 'infer', 'score', 'scoring', 'benchmark', 'holdout']);
const TRAIN_WORDS = new Set(['train', 'training', 'fit', 'trn', 'generate', 'generation', 'sample', 'sampling']);

function evaluationFunction(name: string | undefined): boolean {
  if (!name || name === '<module>') return false;
  const bare = name.slice(name.lastIndexOf('.') + 1);
  const ws = bare.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  return ws.some((w) => EVAL_WORDS.has(w)) && !ws.some((w) => TRAIN_WORDS.has(w));
}

function within(inner: Span, outer: Span): boolean {
  return inner.startOffset >= outer.startOffset && inner.endOffset <= outer.endOffset;
}

/**
 * What is known of the model a Keras/Flax call runs: the facts of a matching inference site, else
 * the BatchNorm layers of the framework's models in this file. `skip`: the model is known and has no
 * BatchNorm (training=True then only keeps Dropout on: Monte Carlo dropout, a deliberate technique),
 * or nothing of the framework is in view and the argument alone does not say it is a model call
 * (`training=True` is also an argument of plain functions such as timm's `drop_path`).
 */
function batchNormEvidence(ir: FileIR, framework: 'keras' | 'flax', call: Span | undefined, frameworkSpecific: boolean): { bn: LayerCall | undefined; facts: ModelFacts | undefined; partial: boolean } | 'skip' {
  const site = call ? ir.training.sites.find((s) => s.kind === 'inference' && within(s.span, call) && s.facts.evidence !== 'none') : undefined;
  if (site) return site.facts.batchNorms.length > 0 ? { bn: undefined, facts: site.facts, partial: false } : 'skip';
  const calls = everyFrameworkCall(ir, framework);
  const bn = calls.find((c) => c.norm === 'batch');
  if (bn) return { bn, facts: undefined, partial: false };
  return calls.length > 0 || !frameworkSpecific ? 'skip' : { bn: undefined, facts: undefined, partial: true };
}

function everyFrameworkCall(ir: FileIR, framework: 'keras' | 'flax'): LayerCall[] {
  const out = ir.model.layerCalls.filter((c) => c.framework === framework);
  for (const cls of ir.model.classes) for (const s of cls.forward?.steps ?? []) if (s.call?.framework === framework) out.push(s.call);
  return out;
}

/** `training=True` / `train=True` / `use_running_average=False` / `mutable=['batch_stats']` passed in an evaluation function. */
function checkKerasFlax(context: RuleContext): void {
  const { ir } = context;
  const report = (
    framework: 'keras' | 'flax',
    messageId: string,
    arg: { readonly span: Span } & ModeArgumentContext,
    data: Record<string, string>,
    fix: { title: string; newText: string } | undefined,
    frameworkSpecific = false,
  ) => {
    // A unit test (`test_model_output_shape`) exercises the code; it is not an evaluation pass.
    if (arg.inUnitTest || !evaluationFunction(arg.function)) return;
    const ev = batchNormEvidence(ir, framework, arg.callSpan, frameworkSpecific);
    if (ev === 'skip') return;
    const related: RelatedLocation[] = [];
    if (ev.bn) related.push({ span: ev.bn.span, message: `${ev.bn.kind} in this file` });
    if (ev.facts) related.push(...layerLocations(ev.facts.batchNorms, (l) => `BatchNorm layer ${l.kind}`, 1));
    context.report({
      messageId,
      data: {
        ...data,
        fn: arg.function ?? '',
        callee: arg.callee ?? 'the model',
        bn: ev.bn ? `its BatchNorm layers (${ev.bn.kind}, ${context.where(ev.bn.span)})` : ev.facts ? `its BatchNorm layers (${factWhere(ev.facts.batchNorms[0], context.where)})` : 'its BatchNorm layers, if any,',
        note: ev.partial ? ' The model\'s definition is not in view, so this evidence is partial.' : '',
      },
      span: arg.span,
      related,
      ...(ev.partial ? { severity: lowerSeverity('warning') } : {}),
      ...(fix ? { fix: { title: fix.title, safe: false, edits: [{ span: arg.span, newText: fix.newText }] } } : {}),
    });
  };
  const literal = (v: KnownValue, want: boolean) => v.value === want && (v.provenance === 'literal' || v.provenance.startsWith('literal'));
  for (const t of ir.training.keras.trainingArguments) {
    if (!literal(t.value, true)) continue;
    report('keras', 'kerasTrainingTrue', t, {}, { title: 'Pass training=False', newText: 'training=False' });
  }
  const mutableCalls = ir.training.flax.mutableBatchStatsCalls ?? [];
  for (const m of mutableCalls) report('flax', 'flaxMutableBatchStats', m, {}, undefined, true);
  for (const a of ir.training.flax.applyModeArguments ?? []) {
    // One finding per call: `mutable=['batch_stats']` in the same call already says it.
    if (a.callSpan && mutableCalls.some((m) => m.callSpan && m.callSpan.startOffset === a.callSpan?.startOffset)) continue;
    const training = a.name === 'deterministic' ? literal(a.value, false) : literal(a.value, true);
    if (!training) continue;
    const evalValue = a.name === 'deterministic' ? 'True' : 'False';
    report('flax', 'flaxApplyTrain', a, { arg: `${a.name}=${a.name === 'deterministic' ? 'False' : 'True'}`, fixed: `${a.name}=${evalValue}` }, { title: `Pass ${a.name}=${evalValue}`, newText: `${a.name}=${evalValue}` });
  }
  for (const u of ir.training.flax.useRunningAverage) {
    if (!literal(u.value, false)) continue;
    report('flax', 'flaxUseRunningAverageFalse', u, {}, { title: 'Pass use_running_average=True', newText: 'use_running_average=True' }, true);
  }
}

/** Facts of a Keras model: a Keras class, `keras.Sequential([...])`, a functional `keras.Model(inputs, outputs)`, a Keras Application. */
function isKerasFacts(facts: ModelFacts): boolean {
  return facts.keras === true;
}

/** `BatchNormalization, line 9` for a layer of this file; its kind alone otherwise. */
function factWhere(l: LayerFact | undefined, where: Where): string {
  if (!l) return 'BatchNorm';
  return l.span && !l.file ? `${l.kind}, ${where(l.span)}` : l.kind;
}

export const missingEval: Rule = {
  meta: {
    code: 'NRM201',
    name: 'missing-eval',
    defaultSeverity: 'warning',
    summary: 'Validation, testing or inference runs while the model is (or may be, on some path) in training mode.',
    messages: {
      trainMode:
        '{{model}} runs for inference ({{reason}}) while it is in training mode ({{origin}}): {{effects}}. Call {{model}}.eval() before inference (and {{model}}.train() before training resumes).{{note}}',
      mayBeTrainMode:
        '{{model}} runs for inference ({{reason}}) while it may still be in training mode on some path ({{origin}}): there {{effects}}. Call {{model}}.eval() before inference on every path.{{note}}',
      kerasTrainingTrue:
        '{{callee}}(..., training=True) in {{fn}}(), an evaluation function: {{bn}} normalize with the statistics of each evaluation batch and, called outside fit(), also move their moving averages towards the evaluation data; Dropout stays active. ' +
        'Pass training=False (for Monte Carlo dropout, keep only Dropout active with a Dropout subclass that always runs in training mode).{{note}}',
      flaxMutableBatchStats:
        "{{callee}}(..., mutable=['batch_stats']) in {{fn}}(), an evaluation function: the BatchNorm statistics are recomputed from each evaluation batch (and returned updated), as in training. " +
        'Apply the model with train=False (use_running_average=True) and without mutable batch_stats when evaluating.{{note}}',
      flaxApplyTrain:
        "{{callee}}(..., {{arg}}) in {{fn}}(), an evaluation function: the model runs in training mode, so {{bn}} use each evaluation batch's statistics instead of the running averages. Pass {{fixed}} when evaluating.{{note}}",
      flaxUseRunningAverageFalse:
        "use_running_average=False in {{fn}}(), an evaluation function: BatchNorm normalizes with each evaluation batch's statistics instead of the running averages. Pass use_running_average=True when evaluating.{{note}}",
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Follows the train/eval mode of each model along every control-flow path (through `if`/`else`, loop iterations and calls to the file\'s own helpers such as `validate(model)`), and flags inference sites — calls of the model inside validation/test/predict functions, loops over a validation or test loader, or results named as predictions — reached while the model may be in training mode. ' +
        'A path on which the model\'s name is not bound yet (an `if`/`elif` that builds it, without `else`) raises NameError before the call and says nothing of the mode. ' +
        'Forward calls under `torch.no_grad()` are reported by `no-grad-without-eval` instead. Models without mode-dependent layers (BatchNorm, tracked InstanceNorm, Dropout) are not reported. ' +
        'Keras and Flax have no mode switch (a Keras model is never said to be in training mode by construction, as a PyTorch module is); their mode is an argument of each call, so in a function named for evaluation (`test_step`, `evaluate`, `eval_step`, `predict`, `validate`; not `generate`/`sample`) it reports ' +
        'Keras `model(x, training=True)`, Flax `model.apply(..., mutable=[\'batch_stats\'])`, `apply(..., train=True)` / `deterministic=False`, and `use_running_average=False`, when the model has BatchNorm layers ' +
        '(a Keras model known to have only Dropout is not reported: `training=True` is then Monte Carlo dropout). Keras `training=` and Flax `train=` are only reported when the file defines models of that framework ' +
        '(the same keyword is an argument of plain functions, e.g. timm\'s `drop_path`), and pytest-style `test_<something>` functions are not evaluation functions; `mutable=[\'batch_stats\']` and ' +
        '`use_running_average=False` are Flax-specific and reported as information when no model definition is in view. For every framework, a pytest-style unit test (`test_forward_shape`) is not taken for an evaluation pass. ' +
        'Nor is a shape smoke test or README demo: a model built right there and, in this file, never given weights (neither by its construction, `weights=`/`pretrained=True`, nor later: `load_state_dict`, `load_weights`, ...), never switched and never trained, whose outputs are random in either mode. ' +
        'Training mode chosen on purpose by a flag named for it (`if training: model.train()`, e.g. an export helper with a `training` argument) is not reported either. ' +
        'Branch conditions are compared as tests of a name where they are one (`if train == False:` contradicts `if train:`), so a function that sets the mode from its flag in two separate `if`s leaves no path on which the mode it was called with survives.',
      whyIsThisBad:
        '`nn.Module` starts in training mode, and only `.eval()` / `.train(False)` switch it. In training mode BatchNorm normalizes with the statistics of the current batch (and updates its running estimates from validation data), and Dropout zeroes activations at random: validation metrics then depend on batch composition and are noisy or wrong, and the running statistics used later drift towards the validation set. ' +
        'PyTorch documents this: "This has an effect only on certain modules... e.g. Dropout, BatchNorm".',
      example:
        'def validate(model, loader):\n    correct = 0\n    for x, y in loader:\n        correct += (model(x).argmax(1) == y).sum().item()\n    return correct\n\nmodel = Net()\nfor epoch in range(10):\n    train_one_epoch(model, train_loader)\n    validate(model, val_loader)  # model is still in training mode',
      useInstead:
        'def validate(model, loader):\n    model.eval()\n    correct = 0\n    with torch.no_grad():\n        for x, y in loader:\n            correct += (model(x).argmax(1) == y).sum().item()\n    return correct\n\ndef train_one_epoch(model, loader):\n    model.train()\n    ...',
      fixSafety:
        'The fix inserts `model.eval()` before the inference code. It is unsafe: it changes the model\'s mode for everything after it, so training code that follows must call `model.train()` again (see `train-not-restored`).',
      references: [
        { title: 'PyTorch documentation: torch.nn.Module.eval', url: 'https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval' },
        { title: 'PyTorch documentation: torch.nn.BatchNorm2d (training vs evaluation behaviour)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html' },
        { title: 'Ioffe & Szegedy, "Batch Normalization", ICML 2015 (inference uses population statistics)', url: 'https://arxiv.org/abs/1502.03167' },
        { title: 'Keras documentation: BatchNormalization (training=True uses and updates batch statistics)', url: 'https://keras.io/api/layers/normalization_layers/batch_normalization/' },
        { title: 'Flax documentation: BatchNorm (use_running_average, mutable batch_stats)', url: 'https://flax.readthedocs.io/en/latest/guides/training_techniques/batch_norm.html' },
      ],
    },
  },
  check(context) {
    checkKerasFlax(context);
    const seen = new Set<number>();
    for (const site of context.ir.training.sites) {
      if (site.kind !== 'inference' || site.inNoGrad) continue;
      if (!site.mode.modes.includes('train')) continue;
      if (!isModeDependentFacts(site.facts)) continue;
      // A Keras model has no train()/eval() mode (its calls' `training=` is read above): a
      // `model.stateless_call(...)` in `predict()` runs in inference mode by default.
      if (isKerasFacts(site.facts)) continue;
      // A unit test (`test_model_backward`), or code it calls, exercises the model; it is not an evaluation pass.
      if (site.inUnitTest) continue;
      if (isUntrainedSmokeTest(site, context.ir.training)) continue;
      // `if training: model.train()`: the caller asked for training mode.
      if (site.mode.trainChosenBy) continue;
      const direct = site.via.length === 0;
      const anchor = direct ? site.span : (site.via[0] ?? site.span);
      if (seen.has(anchor.startOffset)) continue;
      seen.add(anchor.startOffset);
      const definite = !site.mode.modes.includes('eval') && !site.mode.unresolved;
      const related: RelatedLocation[] = [];
      if (!direct) related.push({ span: site.span, message: `the inference call ${siteFunction(site)}` });
      for (const o of site.mode.origins.filter((x) => x.mode === 'train')) related.push({ span: o.span, message: `training mode from ${describeOrigin(o, context.where)}` });
      related.push(...layerLocations([...site.facts.batchNorms, ...site.facts.otherModeDependent], (l) => `mode-dependent layer ${l.kind}`, 1));
      const flag = trainingFlagNote(context.ir, site, context.where);
      if (flag) related.push(flag.related);
      const model = site.modelInCaller.includes('>') ? site.model : direct ? site.model : site.modelInCaller;
      context.report({
        messageId: definite ? 'trainMode' : 'mayBeTrainMode',
        data: {
          model,
          reason: site.reason,
          origin: originsOf(site.mode, 'train', context.where),
          effects: modeEffects(site.facts, definite),
          note: (flag?.note ?? '') + (site.facts.evidence === 'none' || site.facts.chosenBy !== undefined ? evidenceNote(site.facts) : ''),
        },
        span: anchor,
        related,
        ...(site.facts.evidence === 'none' ? { severity: lowerSeverity('warning') } : {}),
        ...(direct
          ? { fix: { title: `Call ${site.model}.eval() before ${context.where(site.outerStatementSpan)}`, safe: false, edits: [insertBefore(site.outerStatementSpan, site.outerIndent, `${site.model}.eval()`)] } }
          : {}),
      });
    }
  },
};
