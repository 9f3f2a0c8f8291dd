import { describeOrigin } from '../../ir/training';
import { evidenceNote, insertBefore, isModeDependentFacts, lowerSeverity, modeLayers, originsOf, siteFunction } from '../shared/training';
import type { Rule } from '../types';

export const exportInTrainMode: Rule = {
  meta: {
    code: 'NRM204',
    name: 'export-in-train-mode',
    defaultSeverity: 'error',
    summary: '`torch.jit.trace`, `torch.export.export`, ONNX export with `training=PRESERVE`, conv-BN fusion or a deployment `torch.save` reached in training mode.',
    messages: {
      exportTrain:
        '{{detail}} runs while {{model}} is {{may}}in training mode ({{origin}}): the exported or fused model bakes in training behaviour of its {{layers}} (batch statistics, active Dropout) or the fusion fails. Call {{model}}.eval() first.{{note}}',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Flags `torch.jit.trace(model, ...)`, `torch.jit.script(model)` whose result is saved, `torch.export.export(model, ...)` and AOTInductor\'s `torch._export.aot_compile(model, ...)`, `torch.onnx.export(..., training=TrainingMode.PRESERVE)`, `torch.ao.quantization.fuse_modules`, `fuse_conv_bn_eval` and `torch.save(model, ...)` to a deployment path, when the model (with BatchNorm, tracked InstanceNorm or Dropout) may be in training mode there. ' +
        '`torch.onnx.export` with its default `training=TrainingMode.EVAL` is not flagged: the exporter switches the model to eval mode itself.',
      whyIsThisBad:
        'Tracing records the operations run in the current mode: a model traced in training mode normalizes with the statistics of each inference batch and keeps Dropout active forever (an exported program too: calling `train()` or `eval()` on it does not switch them back). `fuse_modules` for conv-BN asserts "Fusion only for eval!" in training mode, and a whole model saved in training mode is loaded in training mode by whoever deploys it.',
      example: 'model = Net()\ntrain(model)\ntraced = torch.jit.trace(model, example)\ntraced.save("model.pt")',
      useInstead: 'model = Net()\ntrain(model)\nmodel.eval()\ntraced = torch.jit.trace(model, example)\ntraced.save("model.pt")',
      fixSafety: 'The fix inserts `model.eval()` before the export. It is unsafe only in that the model stays in eval mode afterwards.',
      references: [
        { title: 'PyTorch documentation: torch.jit.trace', url: 'https://pytorch.org/docs/stable/generated/torch.jit.trace.html' },
        { title: 'PyTorch documentation: torch.ao.quantization.fuse_modules', url: 'https://pytorch.org/docs/stable/generated/torch.ao.quantization.fuse_modules.html' },
        { title: 'PyTorch documentation: torch.onnx.export (training parameter)', url: 'https://pytorch.org/docs/stable/onnx_torchscript.html#torch.onnx.export' },
      ],
    },
  },
  check(context) {
    const seen = new Set<number>();
    for (const site of context.ir.training.sites) {
      if (site.kind !== 'export' || !site.mode.modes.includes('train')) continue;
      if (!isModeDependentFacts(site.facts)) continue;
      const direct = site.via.length === 0;
      const anchor = direct ? site.span : (site.via[0] ?? site.span);
      if (seen.has(anchor.startOffset)) continue;
      seen.add(anchor.startOffset);
      const name = direct || site.modelInCaller.includes('>') ? site.model : site.modelInCaller;
      const root = name.startsWith('self.') ? name.split('.').slice(0, 2).join('.') : (name.split('.')[0] ?? name);
      const definite = !site.mode.modes.includes('eval') && !site.mode.unresolved;
      context.report({
        messageId: 'exportTrain',
        data: {
          detail: site.detail,
          model: root,
          may: definite ? '' : 'possibly ',
          origin: originsOf(site.mode, 'train', context.where),
          layers: modeLayers(site.facts),
          note: site.facts.evidence === 'none' ? evidenceNote(site.facts) : '',
        },
        span: anchor,
        related: [
          ...(direct ? [] : [{ span: site.span, message: `${site.detail} ${siteFunction(site)}` }]),
          ...site.mode.origins.filter((o) => o.mode === 'train').map((o) => ({ span: o.span, message: `training mode from ${describeOrigin(o, context.where)}` })),
        ],
        ...(site.facts.evidence === 'none' ? { severity: lowerSeverity('error') } : {}),
        ...(direct ? { fix: { title: `Call ${root}.eval() before the export`, safe: false, edits: [insertBefore(site.statementSpan, site.indent, `${root}.eval()`)] } } : {}),
      });
    }
  },
};
