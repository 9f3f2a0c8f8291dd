import { describeOrigin, type FreezeIR, type ModeOrigin, type ModeSwitchIR, type SiteIR } from '../../ir/training';
import { addKeyword, isUnder, kerasBatchNormTrainable, layerLocations, layerWhere, modelFacts } from '../shared/training';
import type { Rule } from '../types';

export const frozenBnFinetune: Rule = {
  meta: {
    code: 'NRM205',
    name: 'frozen-bn-finetune',
    defaultSeverity: 'warning',
    summary:
      'A backbone frozen with `requires_grad=False` (or left out of the optimizer, which gets only the head\'s parameters) whose BatchNorm still updates running statistics in train mode, a BN freeze undone by a later `model.train()`, or a Keras base model unfrozen for fine-tuning whose BatchNormalization runs in training mode (called without `training=False`, or its layers unfrozen in a model that holds them).',
    messages: {
      statsStillUpdate:
        '{{target}} is frozen here (requires_grad=False{{by}}), but its BatchNorm layers are in training mode at the training step ({{stepLine}}, {{origin}}): requires_grad does not stop BatchNorm from normalizing with batch statistics and overwriting running_mean/running_var with fine-tuning batches. Also put them in eval mode after every {{model}}.train() (or override train()), or use FrozenBatchNorm2d.',
      headOnly:
        'Only {{parts}}\'s parameters are given to this optimizer, so the rest of {{model}} ({{facts}}) is frozen by being left out, but its BatchNorm layers are in training mode at the training step ({{stepLine}}, {{origin}}): they keep normalizing with batch statistics and overwrite running_mean/running_var with the fine-tuning batches. Put them in eval mode after every {{model}}.train() (or override train()), or give the optimizer the parameters they belong to if the backbone is meant to adapt.',
      freezeUndone:
        '{{switch}} switches every submodule of {{model}} back to training mode, undoing the BatchNorm freeze at {{freezeLine}} before the training step ({{stepLine}}): the frozen BatchNorm layers update their statistics again. Re-apply the freeze after each train() call, or override train() to keep them in eval mode.',
      kerasStatsUpdate:
        '{{owner}} is unfrozen for fine-tuning ({{unfreeze}}) and called here without training=False, so its BatchNormalization layers{{layer}} run in training mode in {{fit}}: they normalize with the fine-tuning batches and overwrite the moving statistics learned in pretraining, which can wreck what the model learned. Call {{owner}}(..., training=False) so they stay in inference mode while their weights train.',
      kerasLayersUnfrozen:
        'This unfreezes the BatchNormalization layers{{layer}} of {{owner}} for fine-tuning ({{unfreeze}}), and nothing keeps them in inference mode in {{fit}} ({{owner}}\'s layers are the fitted model\'s own, not behind a call that could pass training=False): they normalize with the fine-tuning batches and overwrite the moving statistics learned in pretraining, which can wreck what the model learned. Keep them frozen: skip them when unfreezing (if not isinstance(layer, keras.layers.BatchNormalization)), as the Keras fine-tuning guides do.',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Finds parameters frozen with `p.requires_grad = False` / `requires_grad_(False)` (also by a helper given the model, of the file or of another workspace file, such as the PyTorch fine-tuning tutorial\'s `set_parameter_requires_grad(model_ft, feature_extract)`, when the flag it tests says it freezes; reported at the call) and BatchNorm layers put in eval mode (a `modules()` loop filtered by `isinstance(m, nn.BatchNorm2d)`, `model.apply(set_bn_eval)`, a `freeze_bn()` method), and checks the mode of those BatchNorm layers at each training step, through loop iterations and helper calls. ' +
        'A freeze inside the model\'s own class counts for its instances: `self.backbone = torchvision.models.resnet50(...)` (or a timm model, or an instance of another class of the file, with BatchNorm) frozen in `__init__`, then an instance trained in training mode, is reported on the freeze. ' +
        'A library model (torchvision, timm, Hugging Face) whose optimizer gets only its head\'s parameters (`optim.Adam(model.fc.parameters())`, also in parameter groups: `fc`, `classifier`, `head`, `heads`, `last_linear`) and no other optimizer or freeze of the model is there, trained in training mode, is reported on the optimizer: the backbone is frozen by being left out, its BatchNorm statistics are not. A head with a backbone stage (`model.layer4.parameters()` in a group) is a choice to adapt the backbone and is not reported. ' +
        'Models whose `train()` override keeps BN in eval mode, models built with `FrozenBatchNorm2d` (detectron2, torchvision detection), and freezes that keep the normalization parameters trainable (`if "bn" not in name: p.requires_grad = False`: BatchNorm is meant to adapt) are clean. ' +
        'Keras: a functional model (`keras.Model(inputs, outputs)`) that calls a base model on a tensor (`x = base_model(inputs)`) without `training=False`, trained with `fit` after `base_model.trainable = True` (the fine-tuning phase of transfer learning), is reported on that call, with a fix that passes `training=False`. ' +
        'Unfreezing counts `base_model.trainable = True` and loops over the layers (`for layer in base_model.layers[fine_tune_at:]: layer.trainable = True`) that do not skip BatchNormalization (`if not isinstance(layer, layers.BatchNormalization):`); a loop that freezes part of the layers leaves the rest as they were. ' +
        'A model that holds the base\'s layers themselves (the base\'s `.output` feeds the head, as in `Model(inputs=base_model.input, outputs=...)` or a base built with `input_tensor=`), or a `keras.Sequential` that lists the base, cannot pass `training=False`: there the unfreezing assignment is reported.',
      whyIsThisBad:
        'Freezing a pretrained backbone with `requires_grad=False` freezes its weights, not its BatchNorm statistics: in training mode BN keeps normalizing with each (often small) fine-tuning batch and overwrites the pretrained `running_mean`/`running_var`. ' +
        'And `model.train()` recursively sets `training=True` on every submodule, so a BN freeze done once before the loop is undone at the first `train()` call. Detection and segmentation codebases (detectron2, mmdetection `norm_eval=True`) freeze BN precisely to avoid this. ' +
        'In Keras, `trainable = False` puts BatchNormalization in inference mode, but unfreezing the base (`trainable = True`) to fine-tune it puts it back in training mode unless the base is called with `training=False`: the moving statistics are then updated with the fine-tuning data, typically a small dataset, and the accuracy reached in the frozen phase is lost.',
      example:
        'for p in model.backbone.parameters():\n    p.requires_grad = False\nfor epoch in range(epochs):\n    model.train()\n    for x, y in loader:\n        ...',
      useInstead:
        'for p in model.backbone.parameters():\n    p.requires_grad = False\nfor epoch in range(epochs):\n    model.train()\n    for m in model.backbone.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n    for x, y in loader:\n        ...',
      fixSafety:
        'PyTorch: no automatic fix: whether BatchNorm should adapt to the new data is a modelling decision. Keras: the fix passes `training=False` to the base model\'s call (the Keras guide\'s advice), which also turns off the base model\'s Dropout; it changes training, so it is offered, not applied by `--fix`.',
      references: [
        { title: 'detectron2: FrozenBatchNorm2d', url: 'https://detectron2.readthedocs.io/en/latest/modules/layers.html#detectron2.layers.FrozenBatchNorm2d' },
        { title: 'PyTorch documentation: torch.nn.Module.train (sets the mode of all descendants)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train' },
        { title: 'Wu & He, "Group Normalization", ECCV 2018 (BN is often frozen when fine-tuning with small batches)', url: 'https://arxiv.org/abs/1803.08494' },
        { title: 'Keras guide: Transfer learning & fine-tuning (BatchNormalization and training=False)', url: 'https://keras.io/guides/transfer_learning/' },
      ],
    },
  },
  check(context) {
    const { training } = context.ir;
    const seen = new Set<number>();
    // (A freeze that keeps the normalization parameters trainable, `if "bn" not in name:`, leaves
    // BatchNorm to adapt on purpose: its statistics updating with the new data is the point.)
    // (A freeze in a helper that its calls in view make on the caller's models, `set_parameter_requires_grad(model_ft, True)`, is reported at those calls.)
    const madeByCalls = new Set(training.freezes.flatMap((f) => (f.by ? [`${f.by.function}@${f.by.where}`] : [])));
    const gradFreezes = training.freezes.filter((f) => f.kind !== 'batchnorm-eval' && !(f.selection?.kind === 'keeps' && f.selection.namesNorms) && !madeByCalls.has(`${f.function}@line ${f.span.start.line + 1}`));
    // An eval() that puts the model in eval mode for an inference site (the validation pass of an epoch) is no freeze.
    const servesInference = (span: { startOffset: number }) =>
      training.sites.some((s) => s.kind === 'inference' && s.mode.origins.some((o) => o.kind === 'switch' && o.mode === 'eval' && o.span.startOffset === span.startOffset));
    // An eval() chosen instead of a train() by one condition that reaches no training step (`if
    // phase == 'train': model.train()` / `else: model.eval()`: the validation pass of a phase loop)
    // is no freeze. (One that does, a linear probe's chosen per run, is.)
    const reachesStep = (s: ModeSwitchIR) =>
      training.sites.some((site) => site.kind === 'training-step' && [site.mode, ...(site.targets ?? []).flatMap((t) => [t.mode, t.batchNormMode])].some((m) => m.origins.some((o) => o.span.startOffset === s.span.startOffset)));
    const insteadOfTrain = (s: ModeSwitchIR) =>
      s.branch !== undefined && training.modeSwitches.some((t) => t.op === 'train' && t.target === s.target && t.function === s.function && t.branch !== undefined && contradicts(t.branch, s.branch as string)) && !reachesStep(s);
    const bnFreezes: FreezeIR[] = [
      ...training.freezes.filter((f) => f.kind === 'batchnorm-eval'),
      ...training.modeSwitches.filter((s) => s.op === 'eval' && s.scope === 'whole' && !/val|eval|test|infer|predict|sample/i.test(s.function) && !servesInference(s.span) && !insteadOfTrain(s) && gradFreezes.some((g) => isUnder(s.target, g.target) || isUnder(g.target, s.target))).map((s) => ({ span: s.span, target: s.target, kind: 'batchnorm-eval' as const, function: s.function })),
    ];
    /** The training steps whose model has BatchNorm layers this rule can check (their BN mode at each step is in `targets`). */
    const steps = training.sites.filter((step) => {
      const facts = step.facts;
      return step.kind === 'training-step' && step.targets !== undefined && facts.evidence !== 'none' && facts.batchNorms.length > 0 && !facts.trainKeepsBatchNormFrozen && !facts.frozenBatchNorm;
    });
    const targetOf = (step: SiteIR, key: string) => step.targets?.find((t) => t.key === key) ?? step.targets?.find((t) => t.classFreeze === key);
    for (const step of steps) {
      // A BatchNorm freeze undone by a later train() on an ancestor.
      for (const f of bnFreezes) {
        if (!isUnder(f.target, step.modelInCaller)) continue;
        const t = targetOf(step, f.target);
        if (!t || !t.batchNormMode.modes.includes('train')) continue;
        // (A train() in a branch exclusive with the freeze's, `if finetune: model.train()` / `else: model.eval()`, does not undo it.)
        const alternative = (o: ModeOrigin) => t.batchNormMode.alternatives?.some((a) => a.train === o && a.eval.span.startOffset === f.span.startOffset) === true;
        const trainSwitch = t.batchNormMode.origins.find((o) => o.mode === 'train' && o.kind === 'switch' && !alternative(o));
        if (!trainSwitch || seen.has(trainSwitch.span.startOffset)) continue;
        seen.add(trainSwitch.span.startOffset);
        context.report({
          messageId: 'freezeUndone',
          data: { switch: describeOrigin(trainSwitch, context.where), model: step.modelInCaller, freezeLine: context.where(f.span), stepLine: context.where(step.span) },
          span: trainSwitch.span,
          related: [
            { span: f.span, message: 'the BatchNorm freeze this undoes' },
            { span: step.span, message: `training step (${step.detail})` },
          ],
        });
      }
    }
    // Parameters frozen, BatchNorm statistics not: at the first step after the freeze in its
    // function (a notebook freezing a second model for a later cell's loop), else the first step.
    for (const g of gradFreezes) {
      if (bnFreezes.some((f) => isUnder(g.target, f.target) || isUnder(f.target, g.target))) continue;
      // (The trained model, or a container holding the frozen one: `nn.Sequential(backbone, head)`.)
      // (Or, for a freeze inside the model's class, `self.backbone` in `__init__`, an instance of that class.)
      const trains = (step: SiteIR) => isUnder(g.target, step.modelInCaller) || targetOf(step, g.target)?.held === true || targetOf(step, g.target)?.classFreeze === g.target;
      const stepsInTrainingMode = steps.filter((step) => trains(step) && targetOf(step, g.target)?.batchNormMode.modes.includes('train') === true);
      const step = stepsInTrainingMode.find((s) => s.function === g.function && s.span.startOffset > g.span.startOffset) ?? stepsInTrainingMode[0];
      const t = step ? targetOf(step, g.target) : undefined;
      if (!step || !t) continue;
      const origin = t.batchNormMode.origins.find((o) => o.mode === 'train');
      context.report({
        messageId: 'statsStillUpdate',
        data: { target: g.target, by: g.by ? `, by ${g.by.function}() at ${g.by.where}` : '', stepLine: context.where(step.span), origin: origin ? describeOrigin(origin, context.where) : 'training mode', model: step.modelInCaller },
        span: g.span,
        related: [
          { span: step.span, message: `training step (${step.detail})` },
          ...(origin ? [{ span: origin.span, message: `BatchNorm in training mode from ${describeOrigin(origin, context.where)}` }] : []),
          ...layerLocations(step.facts.batchNorms, (l) => `BatchNorm layer ${layerWhere(l, context.where)}`, 1),
        ],
      });
    }
    headOnlyOptimizers(context, steps, gradFreezes, bnFreezes);
    kerasUnfrozenBases(context);
  },
};

/** Whether two switches' branch conditions (`ModeSwitchIR.branch`) contradict: one is made where the other cannot be. */
function contradicts(a: string, b: string): boolean {
  const atoms = new Set(a.split('&'));
  return b.split('&').some((x) => atoms.has((x.startsWith('+') ? '-' : '+') + x.slice(1)));
}

/** The heads of library models (torchvision's `fc` / `classifier`, timm's `head`, Cadene's `last_linear`): no BatchNorm in them. */
const HEAD_PARTS = /^(fc|classifier|head|heads|last_linear)$/;

/**
 * A library model trained with an optimizer that gets only its head's parameters
 * (`optim.Adam(model.fc.parameters())`, the "fixed feature extractor" of transfer learning without
 * `requires_grad=False`): the backbone is frozen by being left out, its BatchNorm layers, in
 * training mode at the step, are not. Not when another optimizer trains the model too, nor when a
 * freeze of the model is there (the other checks report those).
 */
function headOnlyOptimizers(context: Parameters<Rule['check']>[0], steps: readonly SiteIR[], gradFreezes: readonly FreezeIR[], bnFreezes: readonly FreezeIR[]): void {
  const { training } = context.ir;
  for (const o of training.optimizers) {
    const parts = o.parts;
    if (!parts || parts.length === 0 || !parts.every((p) => HEAD_PARTS.test(p.slice(p.indexOf('.') + 1)))) continue;
    const model = parts[0].slice(0, parts[0].indexOf('.'));
    const others = training.optimizers.some((x) => x !== o && (x.models.includes(model) || x.parts?.some((p) => isUnder(p, model)) === true || (x.params !== 'all' && new RegExp(`\\b${model}\\b`).test(x.paramsText))));
    if (others || [...gradFreezes, ...bnFreezes].some((f) => isUnder(f.target, model))) continue;
    const step = steps.find((s) => s.modelInCaller === model && s.function === o.function && s.facts.evidence === 'library' && s.targets?.find((t) => t.key === model)?.batchNormMode.modes.includes('train') === true);
    const mode = step?.targets?.find((t) => t.key === model)?.batchNormMode;
    if (!step || !mode) continue;
    const origin = mode.origins.find((x) => x.mode === 'train');
    context.report({
      messageId: 'headOnly',
      data: { parts: parts.join(', '), model, facts: step.facts.name, stepLine: context.where(step.span), origin: origin ? describeOrigin(origin, context.where) : 'training mode' },
      span: o.span,
      related: [
        { span: step.span, message: `training step (${step.detail})` },
        ...(origin ? [{ span: origin.span, message: `BatchNorm in training mode from ${describeOrigin(origin, context.where)}` }] : []),
      ],
    });
  }
}

/**
 * Keras fine-tuning: a `fit` of a model holding a base model's layers (`LayerFact.owner`: a
 * functional model that calls it on a tensor or reads its `.output`, a `keras.Sequential` that lists
 * it) whose BatchNormalization layers were last made trainable before the fit (`base.trainable =
 * True`, a loop unfreezing some of its layers without skipping them), with nothing keeping them in
 * inference mode: reported on the call that could pass `training=False` (with that fix), else on
 * the assignment that unfroze them.
 */
function kerasUnfrozenBases(context: Parameters<Rule['check']>[0]): void {
  const { training } = context.ir;
  const seen = new Set<number>();
  for (const loader of training.loaders) {
    if ((loader.framework !== 'keras' && loader.framework !== 'tf.data') || loader.role !== 'train') continue;
    for (const feed of loader.feeds) {
      const facts = modelFacts(context.ir, feed, loader.function, loader.className, loader.span.startOffset);
      for (const bn of facts?.batchNorms ?? []) {
        if (!bn.owner || bn.ownerTraining) continue;
        const unfreeze = kerasBatchNormTrainable(context.ir, [bn.owner, feed], loader.span.startOffset);
        if (unfreeze?.value !== true) continue;
        const call = bn.ownerCall;
        const at = call?.span ?? unfreeze.assignment.span;
        if (seen.has(at.startOffset)) continue;
        seen.add(at.startOffset);
        const owned = (facts?.batchNorms ?? []).filter((l) => l.owner === bn.owner);
        const fit = `${loader.roleEvidence} (${context.where(loader.span)})`;
        const unfrozen = unfreeze.assignment.layers ? `the loop over ${unfreeze.assignment.target}.layers${unfreeze.assignment.layers.slice ?? ''}, ${context.where(unfreeze.assignment.span)}` : `${unfreeze.assignment.target}.trainable = True, ${context.where(unfreeze.assignment.span)}`;
        const related = [
          ...(call ? [{ span: unfreeze.assignment.span, message: `${bn.owner} unfrozen here` }] : []),
          { span: loader.span, message: 'the fit that trains it' },
          ...layerLocations(owned, (l) => `${l.kind} in training mode`, 1),
        ];
        // On the call that could pass `training=False` (with that fix), else on the assignment that unfroze them.
        context.report({
          messageId: call ? 'kerasStatsUpdate' : 'kerasLayersUnfrozen',
          data: { owner: bn.owner, unfreeze: unfrozen, layer: bn.span ? ` (${layerWhere(bn, context.where)})` : '', fit },
          span: at,
          related,
          ...(call ? { fix: { title: `Call ${bn.owner} with training=False`, safe: false, edits: [addKeyword(context.text, call.argumentsSpan, 'training=False')] } } : {}),
        });
      }
    }
  }
}
