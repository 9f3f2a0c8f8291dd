import { lineOf } from '../../ir/training';
import { evidenceNote, insertBefore, isModeDependentFacts, layerLocations, lowerSeverity, modeLayers, originsOf } from '../shared/training';
import type { RelatedLocation, Rule } from '../types';

export const missingEval: Rule = {
  meta: {
    code: 'NRM201',
    name: 'missing-eval',
    defaultSeverity: 'warning',
    summary: 'Validation, testing or inference runs while the model is (or may be, on some path) in training mode.',
    messages: {
      trainMode:
        '{{model}} runs for inference ({{reason}}) while it is in training mode ({{origin}}): its {{layers}} use batch statistics / stay active, so results depend on the batch and BatchNorm running statistics keep changing. Call {{model}}.eval() before inference (and {{model}}.train() before training resumes).{{note}}',
      mayBeTrainMode:
        '{{model}} runs for inference ({{reason}}) while it may still be in training mode on some path ({{origin}}): its {{layers}} then use batch statistics / stay active. Call {{model}}.eval() before inference on every path.{{note}}',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Follows the train/eval mode of each model along every control-flow path (through `if`/`else`, loop iterations and calls to the file\'s own helpers such as `validate(model)`), and flags inference sites — calls of the model inside validation/test/predict functions, loops over a validation or test loader, or results named as predictions — reached while the model may be in training mode. ' +
        'Forward calls under `torch.no_grad()` are reported by `no-grad-without-eval` instead. Models without mode-dependent layers (BatchNorm, tracked InstanceNorm, Dropout) are not reported.',
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
      ],
    },
  },
  check(context) {
    const seen = new Set<number>();
    for (const site of context.ir.training.sites) {
      if (site.kind !== 'inference' || site.inNoGrad) continue;
      if (!site.mode.modes.includes('train')) continue;
      if (!isModeDependentFacts(site.facts)) continue;
      const direct = site.via.length === 0;
      const anchor = direct ? site.span : (site.via[0] ?? site.span);
      if (seen.has(anchor.startOffset)) continue;
      seen.add(anchor.startOffset);
      const definite = !site.mode.modes.includes('eval') && !site.mode.unresolved;
      const related: RelatedLocation[] = [];
      if (!direct) related.push({ span: site.span, message: `the inference call in ${site.function}()` });
      for (const o of site.mode.origins.filter((x) => x.mode === 'train')) related.push({ span: o.span, message: `training mode from ${o.description}` });
      related.push(...layerLocations([...site.facts.batchNorms, ...site.facts.otherModeDependent], (l) => `mode-dependent layer ${l.kind}`, 1));
      const model = site.modelInCaller.includes('>') ? site.model : direct ? site.model : site.modelInCaller;
      context.report({
        messageId: definite ? 'trainMode' : 'mayBeTrainMode',
        data: {
          model,
          reason: site.reason,
          origin: originsOf(site.mode, 'train'),
          layers: modeLayers(site.facts),
          note: site.facts.evidence === 'none' ? evidenceNote(site.facts) : '',
        },
        span: anchor,
        related,
        ...(site.facts.evidence === 'none' ? { severity: lowerSeverity('warning') } : {}),
        ...(direct
          ? { fix: { title: `Call ${site.model}.eval() before line ${lineOf(site.outerStatementSpan)}`, safe: false, edits: [insertBefore(site.outerStatementSpan, site.outerIndent, `${site.model}.eval()`)] } }
          : {}),
      });
    }
  },
};
