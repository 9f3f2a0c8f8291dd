import type { HelperPass, Layer, ModelClass } from '../../ir/model';
import { passSteps } from '../shared/forward';
import { type ClassReport, PerClassReports } from '../shared/perClass';
import type { Rule } from '../types';

export const bnInRecurrent: Rule = {
  meta: {
    code: 'NRM506',
    name: 'bn-in-recurrent',
    defaultSeverity: 'warning',
    summary: 'BatchNorm applied step by step inside a recurrent loop; LayerNorm is the usual choice.',
    messages: {
      perStep:
        '{{norm}} is applied inside the loop over time steps ({{loopLine}}) that also runs {{cell}}: one set of running statistics is shared by every time step, ' +
        "whose activation statistics differ, and each step's batch statistics are noisy. Use nn.LayerNorm over the hidden features (Layer Normalization was designed for recurrent networks).",
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Finds a BatchNorm layer (or `F.batch_norm`) called in a `for`/`while` loop of the forward pass (`forward` / `call` / `__call__`) that also calls a recurrent cell ' +
        '(`RNNCell`, `LSTMCell`, `GRUCell`, or an `RNN`/`LSTM`/`GRU` layer). Helper methods of the same class called from the forward pass count: a step method ' +
        '(`self._step(x, h)`) called in the loop, or a helper that runs the whole loop.',
      whyIsThisBad:
        'Normalizing a recurrent network\'s hidden state with BatchNorm needs separate statistics per time step (Cooijmans et al., "Recurrent Batch Normalization"), and sequences longer ' +
        'than those seen in training have none; one shared BatchNorm mixes all time steps into one running mean and variance that fits none of them, and small batches make each step\'s ' +
        'statistics noisy. LayerNorm normalizes each sample over its features, needs no batch statistics, and behaves the same in training and inference, which is why it is the standard choice (Ba et al., 2016).',
      example: 'import torch.nn as nn\n\nclass Encoder(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n\n    def forward(self, xs, h):\n        for x in xs:\n            h = self.bn(self.cell(x, h))\n        return h',
      useInstead: 'import torch.nn as nn\n\nclass Encoder(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.norm = nn.LayerNorm(d)\n\n    def forward(self, xs, h):\n        for x in xs:\n            h = self.norm(self.cell(x, h))\n        return h',
      fixSafety: 'No automatic fix: changing the normalization changes the model and its checkpoints.',
      references: [
        { title: 'Ba, Kiros & Hinton, "Layer Normalization", 2016', url: 'https://arxiv.org/abs/1607.06450' },
        { title: 'Cooijmans et al., "Recurrent Batch Normalization", ICLR 2017', url: 'https://arxiv.org/abs/1603.09025' },
      ],
    },
  },
  check(context) {
    REPORTS.run(context);
  },
};

/** The findings of one class (kept per class: they read only the class). */
function classReports(cls: ModelClass): ClassReport[] {
  const reports: ClassReport[] = [];
  const all = passSteps(cls);
  if (!all.some(({ step }) => step.norm === 'batch' && step.loop)) return reports;
  const byPath = new Map<string, Layer>(cls.layers.map((l) => [l.path, l]));
  const reported = new Set<string>();
  for (const { step: s, via } of all) {
    if (s.norm !== 'batch' || !s.loop) continue;
    const loop = s.loop;
    const found = all.find((o) => o.step.loop?.startOffset === loop.startOffset && (o.step.family === 'recurrent' || byPath.get(o.step.target)?.family === 'recurrent'));
    const cell = found?.step;
    if (!found || !cell) continue;
    const layer = s.op === 'layer' ? byPath.get(s.target) : undefined;
    const key = `${s.target}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const cellLayer = byPath.get(cell.target);
    // A helper called inside the loop (rather than one that holds the whole loop): its call site is evidence too.
    const outside = (h: HelperPass) => loop.startOffset < h.span.startOffset || loop.endOffset > h.span.endOffset;
    reports.push((context) =>
      context.report({
        messageId: 'perStep',
        data: {
          norm: layer?.call ? `${layer.call.kind} (self.${s.target})` : s.target,
          loopLine: context.where(loop),
          cell: cellLayer?.call ? `${cellLayer.call.kind} (self.${cell.target})` : cell.target,
        },
        span: layer?.call?.span ?? s.span,
        related: [
          { span: s.span, message: via ? `called once per time step here, in self.${via.name}` : 'called once per time step here' },
          ...(via && outside(via) ? [{ span: via.callSite, message: `self.${via.name} is called inside the loop here` }] : []),
          { span: cell.span, message: found.via ? `the recurrent cell in the same loop, in self.${found.via.name}` : 'the recurrent cell in the same loop' },
          ...(found.via && found.via !== via && outside(found.via) ? [{ span: found.via.callSite, message: `self.${found.via.name} is called inside the loop here` }] : []),
        ],
      }),
    );
  }
  return reports;
}

const REPORTS = new PerClassReports(classReports);
