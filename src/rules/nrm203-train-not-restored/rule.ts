import { describeOrigin } from '../../ir/training';
import { evidenceNote, isModeDependentFacts, modeLayers } from '../shared/training';
import type { Rule } from '../types';

export const trainNotRestored: Rule = {
  meta: {
    code: 'NRM203',
    name: 'train-not-restored',
    defaultSeverity: 'warning',
    summary: '`eval()` called inside the training loop (e.g. for validation) and not undone before the next training step.',
    messages: {
      notRestored:
        '{{switch}} puts {{model}} in eval mode, and nothing switches it back before the next training step ({{step}}, {{stepLine}}): from the second iteration on, {{model}} trains with {{layers}} in inference behaviour (BatchNorm stops using batch statistics and updating its running estimates; Dropout is off). Call {{model}}.train() at the start of each training epoch or step.{{note}}',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Iterates each training loop to a fixpoint and looks at the mode of the trained model at every training step (`loss.backward()`, `optimizer.step()`), through calls to the file\'s own helpers. When the first iteration trains in training mode but a later one may train in eval mode because of an `eval()` executed in the loop (typically in a per-epoch validation), the `eval()` is reported. An `eval()` chosen instead of a `train()` by one condition (`if args.weights == \'finetune\': model.train()` / `else: model.eval()`, a linear probe that keeps the whole frozen model in eval mode) is a per-run choice and is not reported; an `else: assert False` ends its path.',
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
    for (const site of context.ir.training.sites) {
      if (site.kind !== 'training-step') continue;
      const { mode } = site;
      if (!mode.modes.includes('train') || !mode.modes.includes('eval')) continue;
      if (!isModeDependentFacts(site.facts) || site.facts.evidence === 'none') continue;
      for (const o of mode.origins) {
        if (o.mode !== 'eval' || o.kind !== 'switch') continue;
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
