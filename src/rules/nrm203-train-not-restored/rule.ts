import { describeOrigin, type ModeOrigin, type SiteIR } from '../../ir/training';
import { evidenceNote, isModeDependentFacts, isUnder, modeLayers } from '../shared/training';
import type { Rule } from '../types';

export const trainNotRestored: Rule = {
  meta: {
    code: 'NRM203',
    name: 'train-not-restored',
    defaultSeverity: 'warning',
    summary: '`eval()` called inside the training loop (e.g. for validation) and not undone before the next training step, or a model that trains in eval mode from the start (`from_pretrained` returns one, an evaluation before training leaves one).',
    messages: {
      notRestored:
        '{{switch}} puts {{model}} in eval mode, and nothing switches it back before the next training step ({{step}}, {{stepLine}}): from the second iteration on, {{model}} trains with {{layers}} in inference behaviour (BatchNorm stops using batch statistics and updating its running estimates; Dropout is off). Call {{model}}.train() at the start of each training epoch or step.{{note}}',
      trainsInEvalMode:
        '{{model}} is in eval mode at every training step ({{step}}, {{stepLine}}): {{origin}}, and nothing switches it to training mode before training. Its {{layers}} layers then normalize with running estimates that this training never updates (and any Dropout is off): they stay those of the checkpoint (or of initialization), not of the training data, and batch statistics no longer help the optimization. Call {{model}}.train() before the training loop.{{note}}',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Iterates each training loop to a fixpoint and looks at the mode of the trained model at every training step (`loss.backward()`, `optimizer.step()`), through calls to the file\'s own helpers and to functions of other workspace files. When the first iteration trains in training mode but a later one may train in eval mode because of an `eval()` executed in the loop (typically in a per-epoch validation), the `eval()` is reported; when it is done by a function of another file (`evaluate(model, val_loader)` after `from engine import evaluate`), the call is, citing that file\'s `eval()`. A model in eval mode at every training step (an optimizer steps; a `backward()` alone, for a saliency map, trains nothing) is reported where that mode comes from: a Hugging Face `from_pretrained` (which returns the model in eval mode) with no `train()` before training, or an `eval()` for an evaluation before training (a baseline accuracy of a loaded checkpoint) not undone; an `eval()` that serves no inference, or a model whose parameters are partly frozen (`requires_grad=False`: a linear probe that keeps the whole model in eval mode on purpose), is left alone. An `eval()` chosen instead of a `train()` by one condition (`if args.weights == \'finetune\': model.train()` / `else: model.eval()`, a linear probe that keeps the whole frozen model in eval mode) is a per-run choice and is not reported; an `else: assert False` ends its path.',
      whyIsThisBad:
        'The usual epoch loop is "train, then validate". If validation calls `model.eval()` and the training function never calls `model.train()`, only the first epoch trains in training mode. After that BatchNorm normalizes with frozen running statistics (which stop updating) and Dropout is disabled: training silently changes regime, typically with a jump in the loss curve and worse generalization. ' +
        'The PyTorch tutorials call `model.train()` at the start of every training epoch for this reason.',
      example:
        'def train_one_epoch(model, loader, optimizer):\n    for x, y in loader:\n        loss = criterion(model(x), y)\n        optimizer.zero_grad(); loss.backward(); optimizer.step()\n\nfor epoch in range(epochs):\n    train_one_epoch(model, train_loader, optimizer)\n    model.eval()\n    evaluate(model, val_loader)',
      useInstead:
        'def train_one_epoch(model, loader, optimizer):\n    model.train()\n    for x, y in loader:\n        ...\n\nfor epoch in range(epochs):\n    train_one_epoch(model, train_loader, optimizer)\n    model.eval()\n    evaluate(model, val_loader)',
      fixSafety: 'No automatic fix: `model.train()` belongs at the start of the training epoch or step, which may be in another function than the `eval()` call.',
      references: [
        { title: 'PyTorch tutorial: Training a classifier / Optimizing model parameters (train() and eval() per epoch)', url: 'https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html' },
        { title: 'PyTorch documentation: torch.nn.Module.train', url: 'https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train' },
      ],
    },
  },
  check(context) {
    const seen = new Set<number>();
    trainingInEvalMode(context, seen);
    for (const site of context.ir.training.sites) {
      if (site.kind !== 'training-step') continue;
      const { mode } = site;
      if (!mode.modes.includes('train') || !mode.modes.includes('eval')) continue;
      if (!isModeDependentFacts(site.facts) || site.facts.evidence === 'none') continue;
      for (const o of mode.origins) {
        // (An `eval()` in the loop, or a call of another workspace file's function that leaves the model in eval mode: `evaluate(model, val_loader)`, reported at the call.)
        if (o.mode !== 'eval' || (o.kind !== 'switch' && o.kind !== 'call')) continue;
        // `if finetune: model.train()` / `else: model.eval()` (a linear probe's frozen backbone): the eval() is chosen instead of train(), per run.
        if (mode.alternatives?.some((a) => a.eval === o)) continue;
        // The eval() must be able to reach the step through the loop: it comes after the step in
        // the loop body, or in a helper called after it.
        if (seen.has(o.span.startOffset)) continue;
        seen.add(o.span.startOffset);
        const model = site.modelInCaller.includes('>') ? site.model : site.modelInCaller;
        context.report({
          messageId: 'notRestored',
          data: {
            switch: describeOrigin(o, context.where),
            model,
            step: site.detail,
            stepLine: context.where(site.span),
            layers: modeLayers(site.facts),
            note: evidenceNote(site.facts),
          },
          span: o.span,
          related: [
            { span: site.span, message: `training step that may run in eval mode (${site.detail})` },
            ...mode.origins.filter((x) => x.mode === 'train').slice(0, 1).map((x) => ({ span: x.span, message: `training mode only from ${describeOrigin(x, context.where)}` })),
            ...site.via.slice(0, 1).map((v) => ({ span: v, message: 'the training step is reached through this call' })),
          ],
        });
      }
    }
  },
};

/**
 * Training steps in eval mode on every path, from the start: the model came from a Hugging Face
 * `from_pretrained` (eval mode) or an `eval()` for an inference before training, and no `train()`
 * follows. Reported once per origin (its call), skipped for a model with frozen parameters (a
 * linear probe keeps the whole frozen model in eval mode on purpose) and an `eval()` that serves
 * no inference (one that keeps the model in eval mode on purpose).
 */
function trainingInEvalMode(context: Parameters<Rule['check']>[0], seen: Set<number>): void {
  const { training } = context.ir;
  const servesInference = (o: ModeOrigin): boolean =>
    training.sites.some((s) => s.kind === 'inference' && s.mode.origins.some((x) => x.kind === 'switch' && x.mode === 'eval' && x.span.startOffset === o.span.startOffset));
  const frozenPart = (site: SiteIR): boolean => training.freezes.some((f) => f.kind !== 'batchnorm-eval' && (isUnder(f.target, site.modelInCaller) || isUnder(site.modelInCaller, f.target)));
  // (An optimizer steps where the model's backward runs: a `score.backward()` alone computes input gradients for a saliency map.)
  const optimized = (site: SiteIR): boolean => training.sites.some((s) => s.kind === 'training-step' && s.function === site.function && s.modelInCaller === site.modelInCaller && s.step === 'optimizer');
  for (const site of training.sites) {
    const { mode } = site;
    if (site.kind !== 'training-step' || mode.unresolved || mode.modes.length !== 1 || mode.modes[0] !== 'eval') continue;
    // (BatchNorm only: a transformer's Dropout off is no normalization matter, and a checkpoint's dropout rate is not known.)
    if (site.facts.batchNorms.length === 0 || site.facts.evidence === 'none' || frozenPart(site) || !optimized(site)) continue;
    for (const o of mode.origins) {
      if (o.mode !== 'eval' || !(o.kind === 'library' || (o.kind === 'switch' && servesInference(o))) || seen.has(o.span.startOffset)) continue;
      seen.add(o.span.startOffset);
      const model = site.modelInCaller.includes('>') ? site.model : site.modelInCaller;
      context.report({
        messageId: 'trainsInEvalMode',
        data: { origin: describeOrigin(o, context.where), model, step: site.detail, stepLine: context.where(site.span), layers: [...new Set(site.facts.batchNorms.map((l) => l.kind))].slice(0, 3).join(', '), note: evidenceNote(site.facts) },
        span: o.span,
        related: [
          { span: site.span, message: `training step in eval mode (${site.detail})` },
          ...site.via.slice(0, 1).map((v) => ({ span: v, message: 'the training step is reached through this call' })),
        ],
      });
    }
  }
}
