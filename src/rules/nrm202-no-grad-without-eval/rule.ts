import { describeOrigin, type ModeOrigin, type SiteIR } from '../../ir/training';
import { evidenceNote, insertBefore, isModeDependentFacts, isUntrainedSmokeTest, layerLocations, lowerSeverity, modeLayers, originsOf, siteFunction, trainingFlagNote } from '../shared/training';
import type { RelatedLocation, Rule } from '../types';

export const noGradWithoutEval: Rule = {
  meta: {
    code: 'NRM202',
    name: 'no-grad-without-eval',
    defaultSeverity: 'warning',
    summary: '`torch.no_grad()` / `inference_mode()` used as if it switched BatchNorm/Dropout to inference mode; it does not.',
    messages: {
      noGradOnly:
        '{{model}} runs under {{region}} ({{reason}}) but is {{may}}in training mode ({{origin}}): no_grad only stops gradient tracking, it does not switch {{layers}} to inference behaviour. Call {{model}}.eval() as well.{{note}}',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Flags `with torch.no_grad():` / `with torch.inference_mode():` blocks (and functions decorated with them) used for evaluation or inference — in a validation/test/predict function, over a validation loader, or outside any training code — in which a model with BatchNorm, tracked InstanceNorm or Dropout may still be in training mode. ' +
        'Inside a training loop, no_grad is fine for the model being trained (an EMA update, logging); the forward of another model given weights (a distillation teacher, `teacher.load_state_dict(...)`) under no_grad there is an inference, reported while the teacher was never switched out of the training mode it was built in (a `train()` of its own, as Mean Teacher\'s EMA model has, is a choice). ' +
        'A shape smoke test (a model built right there and, in this file, never given weights, switched or trained) is not reported: its outputs are random in either mode. A library model built with its weights (`resnet50(weights="DEFAULT")`, `torch.hub.load("pytorch/vision", "resnet18", pretrained=True)`) is no smoke test: its predictions are meant. ' +
        'Nor is Monte Carlo dropout: a model whose only mode-dependent layers are Dropout, switched by `train()` in the same function with no training step between that and the forward (`net.train()` then a no-grad loop sampling predictions). ' +
        'Nor is a unit test that puts the model in training mode itself (`model.train()` in the test, then a forward under a `@torch.no_grad()` that saves memory): it tests the training-mode forward on purpose. ' +
        'Training mode chosen on purpose by a flag named for it (`if training: model.train()`, e.g. an export helper with a `training` argument) is not reported either, nor a BatchNorm recalibration pass: `model.train()` in the same function (or before the call of a helper that runs the forwards, as fvcore\'s `update_bn_stats` expects), then, with no training step between, forwards under no_grad whose results are dropped (`model(x)`, or `x = model(z)` with `x` never read), or in a function named for BatchNorm statistics (`recalibrate_bn`, `update_bn`), which recomputes the running statistics without gradients on purpose (after pruning, quantization or weight averaging).',
      whyIsThisBad:
        '`torch.no_grad()` and `torch.inference_mode()` disable autograd; they leave `module.training` untouched. Under them, BatchNorm in training mode still normalizes with batch statistics and updates `running_mean`/`running_var` from the evaluation data, and Dropout still drops activations. ' +
        'The PyTorch autograd notes spell it out: evaluation mode "is not a mechanism to locally disable gradient computation" and no-grad mode does not change module behaviour — both are needed for evaluation.',
      example: 'model = Net()\ntrain(model)\nwith torch.no_grad():\n    preds = model(x_test)  # BatchNorm still uses batch statistics',
      useInstead: 'model = Net()\ntrain(model)\nmodel.eval()\nwith torch.no_grad():\n    preds = model(x_test)',
      fixSafety: 'The fix inserts `model.eval()` before the `with` statement. It is unsafe: the model stays in eval mode afterwards, so code that trains it again must call `model.train()`.',
      references: [
        { title: 'PyTorch autograd mechanics: locally disabling gradient computation (evaluation mode vs no-grad)', url: 'https://pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation' },
        { title: 'PyTorch documentation: torch.no_grad', url: 'https://pytorch.org/docs/stable/generated/torch.no_grad.html' },
      ],
    },
  },
  check(context) {
    /**
     * Reported places: one finding per model of a no-grad block (two models run in it in training
     * mode are two omissions), by the anchor and the model's root, and one per run (by the anchor
     * and the run's span: a run resolved at a caller and the same run read alone are one).
     */
    const seen = new Set<string>();
    for (const site of context.ir.training.sites) {
      if (site.kind !== 'inference' || !site.inNoGrad || !site.noGradSpan) continue;
      if (!site.mode.modes.includes('train')) continue;
      if (!isModeDependentFacts(site.facts)) continue;
      if (isUntrainedSmokeTest(site, context.ir.training)) continue;
      // `if training: model.train()`: the caller asked for training mode.
      if (site.mode.trainChosenBy) continue;
      if (recalibratesBatchNorm(context, site) || samplesDropout(context, site) || testsTrainingMode(context, site)) continue;
      // A teacher switched to training mode by a train() of its own is the method's choice (Mean Teacher's EMA model); one never switched is the bug.
      if (site.teacher && site.mode.origins.some((o) => o.mode === 'train' && o.kind === 'switch')) continue;
      const sameFunction = site.noGradStatement !== undefined;
      const anchor = sameFunction ? site.noGradSpan : (site.via[0] ?? site.span);
      const place = `${anchor.startOffset}:${site.modelInCaller.split('.')[0] ?? ''}`;
      const run = `${anchor.startOffset}@${site.span.startOffset}`;
      if (seen.has(place) || seen.has(run)) continue;
      seen.add(place);
      seen.add(run);
      const definite = !site.mode.modes.includes('eval') && !site.mode.unresolved;
      const related: RelatedLocation[] = [{ span: site.span, message: site.imported ? `${site.model} runs ${siteFunction(site)}, called here (${context.where(site.span)})` : `${site.model} runs here (${context.where(site.span)})` }];
      for (const o of site.mode.origins.filter((x) => x.mode === 'train')) related.push({ span: o.span, message: `training mode from ${describeOrigin(o, context.where)}` });
      related.push(...layerLocations([...site.facts.batchNorms, ...site.facts.otherModeDependent], (l) => `mode-dependent layer ${l.kind}`, 1));
      const flag = trainingFlagNote(context.ir, site, context.where);
      if (flag) related.push(flag.related);
      const model = site.via.length === 0 || site.modelInCaller.includes('>') ? site.model : site.modelInCaller;
      // (In a function of another file: its region as written there, and where.)
      const region = site.imported ? `${site.imported.noGrad ?? 'torch.no_grad()'} ${siteFunction(site)}` : site.noGradSpan ? context.text.slice(site.noGradSpan.startOffset, site.noGradSpan.endOffset) : 'torch.no_grad()';
      const stmt = site.noGradStatement;
      context.report({
        messageId: 'noGradOnly',
        data: {
          model,
          region: region.startsWith('@') ? region.slice(1) : region,
          reason: site.reason,
          may: definite ? '' : 'possibly ',
          origin: originsOf(site.mode, 'train', context.where),
          layers: modeLayers(site.facts),
          note: (flag?.note ?? '') + (site.facts.evidence === 'none' || site.facts.chosenBy !== undefined ? evidenceNote(site.facts) : ''),
        },
        span: anchor,
        related,
        ...(site.facts.evidence === 'none' ? { severity: lowerSeverity('warning') } : {}),
        ...(stmt ? { fix: { title: `Call ${site.model}.eval() before the no-grad block`, safe: false, edits: [insertBefore(stmt.span, stmt.indent, `${site.model}.eval()`)] } } : {}),
      });
    }
  },
};

/**
 * The training-mode origins of a site when each is a `train()` call of the site's own function,
 * or, for a site reached through calls, of the outermost caller (`SiteIR.caller`: `model.train()`
 * then `update_bn_stats(model, loader)`): the code around it chose training mode itself. Else undefined.
 */
function ownTrainSwitches(context: Parameters<Rule['check']>[0], site: SiteIR): readonly ModeOrigin[] | undefined {
  const trainOrigins = site.mode.origins.filter((o) => o.mode === 'train');
  const own = (o: ModeOrigin) => switchIn(context, o, site.function) || (site.caller !== undefined && switchIn(context, o, site.caller));
  return trainOrigins.length > 0 && trainOrigins.every((o) => o.kind === 'switch' && own(o)) ? trainOrigins : undefined;
}

/** Whether a mode origin is a `train()` call in function `fn`. */
function switchIn(context: Parameters<Rule['check']>[0], o: ModeOrigin, fn: string): boolean {
  return context.ir.training.modeSwitches.some((s) => s.op === 'train' && s.function === fn && s.span.startOffset === o.span.startOffset);
}

/**
 * Monte Carlo dropout: a model whose only mode-dependent layers are Dropout, put in training
 * mode by `train()` calls of the site's own function (or its caller's) with no training step
 * between them and the forward (`net.train()` then a no-grad loop sampling predictions): the
 * dropout is wanted.
 */
function samplesDropout(context: Parameters<Rule['check']>[0], site: SiteIR): boolean {
  if (site.facts.batchNorms.length > 0 || site.facts.otherModeDependent.length === 0) return false;
  return switchedJustBefore(context, site);
}

/**
 * The site's training mode comes from `train()` calls of its own function, each before the site
 * with no training step between it and the site, or of the outermost caller, each before the call
 * that reaches the site with no training step of the caller's between: the code switched the
 * model to run it so.
 */
function switchedJustBefore(context: Parameters<Rule['check']>[0], site: SiteIR): boolean {
  const trainOrigins = ownTrainSwitches(context, site);
  if (!trainOrigins) return false;
  const sites = context.ir.training.sites;
  return trainOrigins.every((o) => {
    const from = o.span.startOffset;
    const place = placeOf(context, site, o);
    // (A training step of the same function between the switch and the site, or the call reaching it.)
    const stepAt = (s: SiteIR) => (place.own ? (s.function === site.function ? s.span.startOffset : -1) : resolvedIn(s) === place.fn ? anchorOf(s) : -1);
    return from < place.at && !sites.some((s) => s.kind === 'training-step' && stepAt(s) > from && stepAt(s) < place.at);
  });
}

/**
 * Where a `train()` origin of a site (see `ownTrainSwitches`) acts: in the site's own function
 * (`own`), before the site; else in the outermost caller, before the call that reaches the site.
 */
function placeOf(context: Parameters<Rule['check']>[0], site: SiteIR, o: ModeOrigin): { readonly own: boolean; readonly fn: string; readonly at: number } {
  return switchIn(context, o, site.function) ? { own: true, fn: site.function, at: site.span.startOffset } : { own: false, fn: resolvedIn(site), at: anchorOf(site) };
}

/** The function whose code decided a site's mode: its own, or for a site reached through calls, the outermost caller's. */
function resolvedIn(site: SiteIR): string {
  return site.caller ?? site.function;
}

/** Where a site is in the function that decided its mode: itself, or the call that reaches it. */
function anchorOf(site: SiteIR): number {
  return (site.via[0] ?? site.span).startOffset;
}

/**
 * A unit test (`SiteIR.inUnitTest`) whose model is in training mode by `train()` calls of the
 * test itself, before the forward (`model.train()`, then `check_norm_state(model.modules(), True)`
 * and a forward under the test's `@torch.no_grad()`): the training-mode forward is what it tests.
 */
function testsTrainingMode(context: Parameters<Rule['check']>[0], site: SiteIR): boolean {
  if (!site.inUnitTest) return false;
  return ownTrainSwitches(context, site)?.every((o) => o.span.startOffset < placeOf(context, site, o).at) ?? false;
}

/**
 * A BatchNorm recalibration pass (what `torch.optim.swa_utils.update_bn` does): the training
 * mode comes from `train()` calls in the site's own function with no training step between them
 * and the forward (`switchedJustBefore`), and the forward's result is dropped (`model(x)` as a
 * statement, `x = net(z)` with `x` never read) or the function is named for
 * BatchNorm statistics (`recalibrate_bn`, `update_bn`, `calibrate_batchnorm`, BigGAN's
 * `accumulate_standing_stats`).
 */
function recalibratesBatchNorm(context: Parameters<Rule['check']>[0], site: SiteIR): boolean {
  if (!switchedJustBefore(context, site)) return false;
  return site.resultDropped === true || /(^|_)(bn|batch_?norm|recalibrat\w*|calibrat\w*|running_stats?|standing_stats?)($|_)/i.test(site.function);
}
