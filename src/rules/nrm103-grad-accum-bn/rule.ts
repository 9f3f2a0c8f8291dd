import { knownValueText } from '../../ir/training';
import { describeValue, whereOf, evidenceNote, layerLocations, layerWhere, loaderBatchNorms, lowered, smallBatchAdvice, sizeText } from '../shared/training';
import type { Rule } from '../types';

export const gradAccumBn: Rule = {
  meta: {
    code: 'NRM103',
    name: 'grad-accum-bn',
    defaultSeverity: 'warning',
    summary: 'Gradient accumulation used to reach a large batch while BatchNorm still sees only the micro-batch.',
    messages: {
      microBatch:
        'Gradient accumulation over {{steps}} micro-batches ({{where}}) makes each optimizer update average {{effective}} samples, but BatchNorm in {{model}} ({{layer}}) still normalizes each micro-batch of {{batch}}: its statistics stay as noisy as a batch of {{micro}}. Accumulation does not enlarge the batch BatchNorm sees. {{advice}}{{note}}',
    },
    fix: 'none',
    options: {
      'below': { type: 'number', default: 16, description: 'Micro-batch sizes below this are reported.' },
    },
    docs: {
      whatItDoes:
        'Recognises gradient accumulation — an `optimizer.step()` guarded by `if (i + 1) % accum_steps == 0` (not when that block runs its own `backward()`: a WGAN\'s generator updated every `n_critic` batches), `loss = loss / accum_steps`, Hugging Face `gradient_accumulation_steps` (`TrainingArguments`, Accelerate\'s `Accelerator` or `GradientAccumulationPlugin(num_steps=...)`, a literal DeepSpeed config dict), Lightning `accumulate_grad_batches`, an OpenMMLab config\'s `optim_wrapper = dict(accumulative_counts=...)` (mmcv 1.x `GradientCumulativeOptimizerHook(cumulative_iters=...)`), and `with accelerator.accumulate(model):` when the step count is left to the launch configuration (reported as information) — over a training loader with a micro-batch below `below` whose trained model has BatchNorm computing batch statistics. The accumulation counts for a loader when it is in the loader\'s function or in the function of its training loop, or set for the whole run (a framework argument or context, a module-level config); a loop in another function accumulating over another loader does not. A loader made in a unit test (a `test_*` function of a pytest or unittest file, a `TestCase` test method) is not checked: its batches are sized for the test.',
      whyIsThisBad:
        'Accumulating gradients over k micro-batches reproduces the gradient of a k-times larger batch for most layers, but not for BatchNorm: its mean and variance are computed inside each forward pass, over the micro-batch only. A "batch of 64" made of 16 micro-batches of 4 still has BatchNorm statistics from 4 samples, with the accuracy loss of tiny-batch BatchNorm.',
      example: 'loader = DataLoader(train_set, batch_size=4, shuffle=True)\naccum_steps = 16\nfor i, (x, y) in enumerate(loader):\n    loss = criterion(model(x), y) / accum_steps\n    loss.backward()\n    if (i + 1) % accum_steps == 0:\n        optimizer.step(); optimizer.zero_grad()',
      useInstead: 'model = convert_bn_to_gn(model)  # or freeze BN: model.apply(set_bn_eval)\nloader = DataLoader(train_set, batch_size=4, shuffle=True)\n...',
      fixSafety: 'No automatic fix.',
      references: [
        { title: 'Wu & He, "Group Normalization", ECCV 2018', url: 'https://arxiv.org/abs/1803.08494' },
        { title: 'Hugging Face Transformers: gradient accumulation (effective batch size)', url: 'https://huggingface.co/docs/transformers/perf_train_gpu_one#gradient-accumulation' },
      ],
    },
  },
  check(context) {
    const { training } = context.ir;
    if (training.gradAccum.length === 0) return;
    const below = Number(context.options['below']);
    for (const loader of training.loaders) {
      if (loader.role !== 'train') continue;
      const bs = loader.batchSize;
      if (!bs || typeof bs.value !== 'number' || bs.value >= below || bs.value < 1) continue;
      const m = loaderBatchNorms(context.ir, loader);
      if (!m) continue;
      // The accumulation over this loader: one in its function or in the functions of its training
      // steps (a loop that steps every N batches), else one set for the whole run (a framework's
      // argument or context, a module-level setting). Another function's loop is not this loader's.
      const functions = new Set([loader.function, ...m.steps.map((s) => s.function)]);
      const accum = training.gradAccum.find((a) => functions.has(a.function)) ?? training.gradAccum.find((a) => a.kind === 'framework-argument' || a.kind === 'framework-context' || a.function === '<module>');
      if (!accum) continue;
      const bns = m.batchNorms;
      const steps = typeof accum.steps.value === 'number' ? String(accum.steps.value) : accum.steps.text;
      const where = typeof accum.steps.value === 'number'
        ? whereOf(accum.steps, context.where)
        : accum.kind === 'framework-context' ? `${context.where(accum.span)}; the count is ${knownValueText(accum.steps, context.where)}` : context.where(accum.span);
      const effective = typeof accum.steps.value === 'number' ? `${bs.value} × ${accum.steps.value} = ${bs.value * accum.steps.value}` : `${bs.value} × ${accum.steps.text}`;
      const inferred = bs.inferred || accum.steps.inferred;
      context.report({
        messageId: 'microBatch',
        data: { steps, where, effective, model: m.name, layer: layerWhere(bns[0], context.where), batch: describeValue(bs, context.where), micro: sizeText(bs), advice: smallBatchAdvice(loader.framework), note: evidenceNote(m.facts) },
        span: accum.span,
        related: [
          { span: bs.provenance.startsWith('DataLoader') ? loader.span : bs.span, message: `micro-batch size ${sizeText(bs)}` },
          ...layerLocations(bns, (l) => `${l.kind} sees only the micro-batch`, 1),
        ],
        ...(lowered('warning', inferred) ? { severity: lowered('warning', inferred) } : {}),
      });
      return;
    }
  },
};
