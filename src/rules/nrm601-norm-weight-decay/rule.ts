import type { FreezeIR, KnownValue, OptimizerIR } from '../../ir/training';
import { describeValue, isUnder, layerLocations, layerWhere, lowerSeverity, modelFacts, shownModelName } from '../shared/training';
import type { Rule } from '../types';
import type { Where } from '../../ir/values';

/**
 * A weight decay below this is numerically none (Pytorch-UNet's RMSprop `weight_decay=1e-8`): over
 * a million steps at learning rate 0.1 it shrinks a weight by less than 10%, against gradients
 * that keep it where the loss wants it.
 */
const NEGLIGIBLE_DECAY = 1e-6;

function decayOf(opt: OptimizerIR, group: KnownValue | undefined, where: Where): { value: number; text: string; isDefault: boolean; inferred: boolean } | undefined {
  const v = group ?? opt.weightDecay;
  if (v) return typeof v.value === 'number' && v.value >= NEGLIGIBLE_DECAY ? { value: v.value, text: describeValue(v, where), isDefault: false, inferred: v.inferred } : undefined;
  if (opt.defaultWeightDecay && opt.defaultWeightDecay > 0) return { value: opt.defaultWeightDecay, text: `${opt.defaultWeightDecay} (${opt.kind}'s default)`, isDefault: true, inferred: false };
  return undefined;
}

/**
 * Whether the model's parameters are frozen in the optimizer's function, all of them or all but
 * those a loop's test names (a linear probe's head) when that test names no normalization
 * parameters: frozen parameters get no gradient, and the optimizer decays none of them.
 */
function frozenButNamed(freezes: readonly FreezeIR[], model: string, fn: string): boolean {
  return freezes.some((f) => f.kind !== 'batchnorm-eval' && f.function === fn && isUnder(model, f.target) && (!f.selection || (f.selection.kind === 'keeps' && !f.selection.namesNorms)));
}

export const normWeightDecay: Rule = {
  meta: {
    code: 'NRM601',
    name: 'norm-weight-decay',
    defaultSeverity: 'info',
    summary: 'Weight decay applied to normalization weights and biases (all `model.parameters()` into a decaying optimizer).',
    messages: {
      decaysNorms:
        '{{optimizer}} applies weight decay {{decay}} to every parameter of {{model}}, including the scale and shift of its {{norms}}: decaying them shrinks the normalized activations\' scale for no regularization benefit. Put normalization (and bias) parameters in a parameter group with weight_decay=0.',
      decaysNormsKeras:
        '{{optimizer}} applies weight decay {{decay}} to every trainable variable of {{model}}, including the scale and shift of its {{norms}}: decaying them shrinks the normalized activations\' scale for no regularization benefit. Exclude them before training: `{{variable}}.exclude_from_weight_decay(var_names=["batch_normalization", "layer_normalization", "bias"])`.',
      decaysNormsConfig:
        'This config\'s {{optimizer}} applies weight decay {{decay}} to every parameter of {{model}}, including the scale and shift of its {{norms}}: decaying them shrinks the normalized activations\' scale for no regularization benefit. Add paramwise_cfg=dict(norm_decay_mult=0.) to `{{variable}}` (the optimizer constructor then gives norm parameters no decay).',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Finds optimizers built from all of a model\'s parameters (`model.parameters()`, `filter(lambda p: p.requires_grad, ...)`, or a parameter group holding all of them) with a weight decay of at least 1e-6 (below that it is numerically none) — explicit, or AdamW\'s default 0.01 — when the model (defined in the file, the workspace, or a known library) has normalization layers with learnable affine parameters. ' +
        'Parameter groups that separate decay and no-decay parameters, timm\'s `create_optimizer_v2` / `param_groups_weight_decay`, and parameters built by helpers are clean. ' +
        'So is a model whose parameters the same function freezes (`model.requires_grad_(False)`, or a loop over its parameters setting `requires_grad = False`), all of them or all but those the loop\'s test names when it names no normalization parameters (a linear probe: `if name not in ["fc.weight", "fc.bias"]:`): frozen parameters get no gradient, and the optimizer decays none of them. ' +
        'So is the Hugging Face `Trainer`\'s own AdamW (no `optimizers=` given): it leaves bias and LayerNorm/RMSNorm parameters out of the decay (by type, and in recent versions by names containing `norm`). ' +
        'Known gap: with `TrainingArguments(weight_decay=...)` above its default 0, that AdamW still decays BatchNorm/GroupNorm weights whose names do not say `norm`; this is not reported. ' +
        'A Keras optimizer given to `model.compile(optimizer=...)` with a positive `weight_decay` (or AdamW\'s default 0.004) is reported for a model with normalization layers (a Keras Applications model, a `keras.Sequential` or a model class of the file) unless `optimizer.exclude_from_weight_decay(var_names=[...])` names norm variables (`"batch_normalization"`, `"norm"`, `"bn"`) or takes a `var_list`. ' +
        "In an OpenMMLab config, the optimizer of `optim_wrapper` (mmcv 1.x: the `optimizer` dict) is reported when it has a positive `weight_decay` (or AdamW's default) and the model dict has norm configs with trainable parameters (`requires_grad` not False, inherited ones included), unless a `paramwise_cfg` takes them out of the decay (`norm_decay_mult=0.`, mmpretrain's `flat_decay_mult=0.`, or a `custom_keys` entry for norm parameter names such as `'norm'` or `'.bn'` with `decay_mult=0.`) or an optimizer `constructor` of its own builds the groups.",
      whyIsThisBad:
        'The output of a normalization layer is invariant to the scale of the weights before it, and its own scale γ and shift β are few, low-dimensional parameters: L2 decay on them does not regularize the function, it just pulls γ towards zero and fights the optimizer. "Bag of Tricks" (He et al.) recommends no decay on BN γ/β and biases; torchvision\'s reference scripts expose `--norm-weight-decay 0.0` and timm excludes norms and biases by default.',
      example: 'optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)',
      useInstead:
        'decay, no_decay = [], []\nfor name, p in model.named_parameters():\n    (no_decay if p.ndim <= 1 else decay).append(p)\noptimizer = torch.optim.SGD(\n    [{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}],\n    lr=0.1, momentum=0.9,\n)',
      fixSafety: 'No automatic fix: splitting parameter groups changes training, and some recipes decay norms on purpose.',
      references: [
        { title: 'He et al., "Bag of Tricks for Image Classification with Convolutional Neural Networks", CVPR 2019 (no bias decay)', url: 'https://arxiv.org/abs/1812.01187' },
        { title: 'torchvision reference training script (--norm-weight-decay)', url: 'https://github.com/pytorch/vision/blob/main/references/classification/train.py' },
        { title: 'Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (AdamW)', url: 'https://arxiv.org/abs/1711.05101' },
      ],
    },
  },
  check(context) {
    for (const opt of context.ir.training.optimizers) {
      if (opt.excludesNormsFromDecay) continue;
      let decay: ReturnType<typeof decayOf>;
      if (opt.params === 'all') decay = decayOf(opt, undefined, context.where);
      else if (opt.params === 'groups') {
        for (const g of opt.groups) {
          if (g.params === 'all') decay ??= decayOf(opt, g.weightDecay, context.where);
        }
      } else continue;
      if (!decay) continue;
      const name = opt.models[0] ?? (opt.groups.find((g) => g.params !== 'built')?.paramsText.split('.')[0] ?? '');
      if (!name) continue;
      const facts = modelFacts(context.ir, name, opt.function, opt.className, opt.span.startOffset);
      if (!facts || facts.affineNorms.length === 0) continue;
      if (frozenButNamed(context.ir.training.freezes, name, opt.function)) continue;
      const norms = [...new Set(facts.affineNorms.map((l) => l.kind))].slice(0, 3).join('/') + ' layers';
      const severity = decay.isDefault || decay.inferred ? lowerSeverity('info') : undefined;
      context.report({
        messageId: opt.config ? 'decaysNormsConfig' : opt.keras ? 'decaysNormsKeras' : 'decaysNorms',
        data: {
          optimizer: opt.kind,
          decay: decay.text,
          model: shownModelName(name, facts),
          norms: facts.evidence === 'library' ? `${norms} (${facts.name}${facts.chosenBy ? `, ${facts.chosenBy}` : ''})` : `${norms}, e.g. ${layerWhere(facts.affineNorms[0], context.where)}`,
          ...(opt.config ? { variable: opt.variable ?? 'optim_wrapper' } : opt.keras ? { variable: opt.variable ?? 'optimizer' } : {}),
        },
        span: opt.span,
        related: layerLocations(facts.affineNorms, (l) => `${l.kind} weight and bias receive weight decay`, 2),
        ...(severity ? { severity } : {}),
      });
    }
  },
};
