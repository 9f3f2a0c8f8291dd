import * as assert from 'assert';
import { lintWith, ruleTests } from '../../../test/unit/helpers/ruleTester';
import { normModuleReused } from './rule';

const header = 'import torch.nn as nn\n';
const cls = (body: string, forward: string) => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;
const layers = '        self.conv1 = nn.Conv2d(8, 8, 3, bias=False)\n        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n';

/** Barlow Twins: one backbone and projector on two views, then one BatchNorm (affine=False) on each embedding (`second`: how the second embedding is made). */
const BARLOW = (second: string) =>
  cls(
    '        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())\n        self.projector = nn.Linear(8, 16, bias=False)\n        self.other = nn.Linear(8, 16, bias=False)\n        self.bn = nn.BatchNorm1d(16, affine=False)\n',
    `    def forward(self, y1, y2):\n        z1 = self.projector(self.backbone(y1))\n        z2 = ${second}\n        return (self.bn(z1).T @ self.bn(z2)).sum()\n`,
  );

ruleTests(normModuleReused, {
  valid: [
    { name: 'a siamese pair (Barlow Twins): one BatchNorm on the outputs of one projector called on two views, shared like the projector', code: BARLOW('self.projector(self.backbone(y2))') },
    { name: 'a LayerNorm without affine parameters (elementwise_affine=False) on two inputs: nothing to share', code: cls('        self.norm = nn.LayerNorm(64, elementwise_affine=False)\n', '    def forward(self, q, k):\n        return self.norm(q) @ self.norm(k).transpose(-1, -2)\n') },
    { name: "one value normalized twice by the same norm (OFA's position embeddings, for two attention biases): recomputed, not shared", code: 'import torch\nimport torch.nn as nn\n\n\nclass Decoder(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n        self.embed_positions = nn.Embedding(1024, dim)\n        self.pos_ln = nn.LayerNorm(dim)\n        self.pos_q = nn.Linear(dim, dim)\n        self.pos_k = nn.Linear(dim, dim)\n\n    def forward(self, positions, encoder_pos):\n        pos_embedding = self.embed_positions(positions)\n        self_bias = self.pos_q(self.pos_ln(pos_embedding))\n        cross_bias = self.pos_k(self.pos_ln(pos_embedding)) @ encoder_pos.transpose(1, 2)\n        return self_bias, cross_bias\n' },
    {
      name: "calls under opposite tests of one module flag, in a helper and the forward (speechbrain's BEATs encoder) or in a conditional expression and an if",
      code: 'import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Encoder(nn.Module):\n    def __init__(self, dim, layer_norm_first=False, pre_norm=True):\n        super().__init__()\n        self.layer_norm_first = layer_norm_first\n        self.pre_norm = pre_norm\n        self.pos_conv = nn.Conv1d(dim, dim, 3, padding=1)\n        self.layer_norm = nn.LayerNorm(dim)\n        self.norm = nn.BatchNorm1d(dim)\n        self.fc = nn.Linear(dim, dim)\n\n    def forward(self, x, output_all_hiddens=False):\n        x = self.extract_features(x)\n        if self.layer_norm_first and output_all_hiddens:\n            x = self.layer_norm(x)\n        h = self.norm(x) if self.pre_norm else x\n        h = self.fc(h)\n        if not self.pre_norm:\n            h = self.norm(h)\n        return h\n\n    def extract_features(self, x):\n        x = x + self.pos_conv(x.transpose(1, 2)).transpose(1, 2)\n        if not self.layer_norm_first:\n            x = self.layer_norm(x)\n        return F.dropout(x, p=0.1, training=self.training)\n\n\nclass Post(nn.Module):\n    def __init__(self, dim, post=True):\n        super().__init__()\n        self.post = post\n        self.bn = nn.BatchNorm1d(dim)\n        self.fc = nn.Linear(dim, dim, bias=False)\n\n    def forward(self, x):\n        if not self.post:\n            x = self.bn(x)\n        x = self.fc(x)\n        return x if not self.post else self.bn(x)\n',
    },
    { name: 'one call', code: cls(layers, '    def forward(self, x):\n        return self.bn(self.conv2(self.conv1(x)))\n') },
    { name: 'calls in exclusive branches', code: cls(layers, '    def forward(self, x, a):\n        if a:\n            return self.bn(self.conv1(x))\n        else:\n            return self.bn(self.conv2(x))\n') },
    {
      name: 'a call in a branch that returns, and one after the `if` (timm CoaT style: the rest runs only when the branch did not)',
      code: cls(layers, '    def forward(self, x, a):\n        if a is None:\n            if self.training:\n                x = self.conv1(x)\n            else:\n                x = self.conv2(x)\n            return self.bn(x)\n        x = self.conv2(self.conv1(x))\n        return self.bn(x)\n'),
    },
    { name: 'one call inside a loop', code: cls(layers, '    def forward(self, x):\n        for _ in range(3):\n            x = self.bn(self.conv1(x))\n        return x\n') },
    {
      name: 'a FrozenBatchNorm2d called twice: nothing in it changes in training',
      code: cls(layers.replace('nn.BatchNorm2d(8)', 'FrozenBatchNorm2d(8)'), '    def forward(self, x):\n        x = self.bn(self.conv1(x))\n        return self.bn(self.conv2(x))\n').replace(header, `${header}from torchvision.ops.misc import FrozenBatchNorm2d\n`),
    },
    { name: 'ReLU reused is fine', code: cls(`${layers}        self.relu = nn.ReLU()\n`, '    def forward(self, x):\n        x = self.relu(self.conv1(x))\n        return self.relu(self.conv2(x))\n') },
    {
      name: 'a helper method called twice (shared weights on two inputs, siamese style)',
      code: cls(layers, '    def _embed(self, x):\n        return self.bn(self.conv1(x))\n\n    def forward(self, a, b):\n        return self._embed(a) - self._embed(b)\n'),
    },
    {
      name: 'forward_features with one norm call, forward with none',
      code: cls(layers, '    def forward_features(self, x):\n        return self.bn(self.conv2(self.conv1(x)))\n\n    def forward(self, x):\n        return self.forward_features(x).mean((2, 3))\n'),
    },
    {
      name: 'the helper and the direct call in exclusive branches',
      code: cls(layers, '    def _block(self, x):\n        return self.bn(self.conv1(x))\n\n    def forward(self, x, fast: bool):\n        if fast:\n            return self._block(x)\n        else:\n            return self.bn(self.conv2(x))\n'),
    },
    {
      name: 'a method never called from forward',
      code: cls(layers, '    def extra(self, x):\n        return self.bn(self.conv2(x))\n\n    def forward(self, x):\n        return self.bn(self.conv1(x))\n'),
    },
    {
      name: 'one BatchNorm on several inputs after the same layer in a loop (shared weights, siamese style)',
      code: cls(layers, '    def forward(self, views):\n        out = []\n        for v in views:\n            out.append(self.bn(self.conv1(v)))\n        return out\n'),
    },
    {
      name: 'a GroupNorm shared by the iterations of a loop over layers (no running statistics: a shared head)',
      code: cls('        self.convs = nn.ModuleList([nn.Conv2d(8, 8, 3) for _ in range(4)])\n        self.norm = nn.GroupNorm(4, 8)\n', '    def forward(self, x):\n        for conv in self.convs:\n            x = self.norm(conv(x))\n        return x\n'),
    },
    {
      name: 'one BatchNorm per iteration (a ModuleList of norms beside the convs)',
      code: cls('        self.convs = nn.ModuleList([nn.Conv2d(8, 8, 3) for _ in range(4)])\n        self.bns = nn.ModuleList([nn.BatchNorm2d(8) for _ in range(4)])\n', '    def forward(self, x):\n        for conv, bn in zip(self.convs, self.bns):\n            x = bn(conv(x))\n        return x\n'),
    },
  ],
  invalid: [
    {
      name: 'one BatchNorm (affine=False) on the outputs of two different layers: the running statistics are shared (and said to be the only thing)',
      code: BARLOW('self.other(self.backbone(y2))'),
      findings: [{ messageId: 'reused', line: 12, column: 33, endLine: 12, endColumn: 44, messageIncludes: ['self.bn (BatchNorm1d) is called here and before it on the same line in the same forward pass: both inputs share one set of running statistics. '] }],
    },
    {
      name: 'a call in a branch that does not return, and one after the `if`',
      code: cls(layers, '    def forward(self, x, a):\n        if a is None:\n            x = self.bn(self.conv1(x))\n        else:\n            return x\n        return self.bn(self.conv2(x))\n'),
      findings: [{ messageId: 'reused', line: 13, column: 16, endLine: 13, endColumn: 38, messageIncludes: ['self.bn (BatchNorm2d)', 'line 10'] }],
    },
    {
      name: 'BatchNorm after two convs',
      code: cls(layers, '    def forward(self, x):\n        x = self.bn(self.conv1(x))\n        return self.bn(self.conv2(x))\n'),
      findings: [{ messageId: 'reused', line: 10, column: 16, endLine: 10, endColumn: 38, messageIncludes: ['self.bn (BatchNorm2d)', 'line 9', 'running statistics'] }],
    },
    {
      name: 'one BatchNorm after each conv of a ModuleList of unknown length',
      code: `${header}class M(nn.Module):\n    def __init__(self, depth):\n        super().__init__()\n        self.convs = nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1) for _ in range(depth)])\n        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        for conv in self.convs:\n            x = self.bn(conv(x)).relu()\n        return x\n`,
      findings: [{ messageId: 'reusedInLoop', line: 10, column: 17, endLine: 10, endColumn: 33, messageIncludes: ['self.bn (BatchNorm2d) is called on every iteration of the loop on line 9', 'the elements of self.convs', 'alongside self.convs'] }],
    },
    {
      name: 'one BatchNorm after each conv of a ModuleList of known length (the loop is unrolled)',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.convs = nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1, bias=False) for _ in range(3)])\n        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        for i in range(3):\n            x = self.bn(self.convs[i](x))\n        return x\n`,
      findings: [{ messageId: 'reusedInLoop', line: 10, column: 17, endLine: 10, endColumn: 42, messageIncludes: ['(convs[0], convs[1], convs[2])'] }],
    },
    {
      name: 'LayerNorm on two inputs: information',
      code: cls('        self.norm = nn.LayerNorm(64)\n', '    def forward(self, q, k):\n        return self.norm(q) @ self.norm(k).transpose(-1, -2)\n'),
      findings: [{ messageId: 'reused', line: 7, column: 31, endLine: 7, endColumn: 43, severity: 'info', messageIncludes: ['self.norm (LayerNorm) is called here and before it on the same line in the same forward pass'] }],
    },
    {
      name: 'the norm used in forward and again in a helper method forward calls',
      code: cls(layers, '    def _block(self, x):\n        return self.bn(self.conv2(x))\n\n    def forward(self, x):\n        x = self.bn(self.conv1(x))\n        return self._block(x)\n'),
      findings: [{ messageId: 'reused', line: 12, column: 13, endLine: 12, endColumn: 35, messageIncludes: ['self.bn (BatchNorm2d) is called here and on line 9 (in self._block, called on line 13) in the same forward pass'] }],
    },
    {
      name: 'two calls inside forward_features (timm style)',
      code: cls(layers, '    def forward_features(self, x):\n        x = self.bn(self.conv1(x))\n        return self.bn(self.conv2(x))\n\n    def forward(self, x):\n        return self.forward_features(x).mean((2, 3))\n'),
      findings: [{ messageId: 'reused', line: 10, column: 16, endLine: 10, endColumn: 38, messageIncludes: ['called here (in self.forward_features, called on line 13) and on line 9 in'] }],
    },
    {
      name: 'Keras call() through a helper method',
      code: `import tensorflow as tf\nfrom tensorflow import keras\n\nclass M(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.conv1 = keras.layers.Conv2D(8, 3)\n        self.conv2 = keras.layers.Conv2D(8, 3)\n        self.bn = keras.layers.BatchNormalization()\n\n    def _block(self, x, training):\n        return self.bn(self.conv2(x), training=training)\n\n    def call(self, x, training=False):\n        x = self.bn(self.conv1(x), training=training)\n        return self._block(x, training)\n`,
      findings: [{ messageId: 'reused', line: 15, column: 13, endLine: 15, endColumn: 54, messageIncludes: ['self.bn (BatchNormalization)', 'line 12 (in self._block, called on line 16)'] }],
    },
    {
      name: 'Flax __call__ through a helper method',
      code: `import flax.linen as nn\n\nclass M(nn.Module):\n    def setup(self):\n        self.dense1 = nn.Dense(8)\n        self.dense2 = nn.Dense(8)\n        self.bn = nn.BatchNorm(use_running_average=False)\n\n    def _block(self, x):\n        return self.bn(self.dense2(x))\n\n    def __call__(self, x):\n        return self._block(self.bn(self.dense1(x)))\n`,
      findings: [{ messageId: 'reused', line: 13, column: 28, endLine: 13, endColumn: 51, messageIncludes: ['self.bn (BatchNorm)', 'line 10 (in self._block, called on line 13)'] }],
    },
  ],
});

describe('NRM505 through helper methods', () => {
  it('relates the finding to the first call and to the helper call site', () => {
    const code = cls(layers, '    def _block(self, x):\n        return self.bn(self.conv2(x))\n\n    def forward(self, x):\n        x = self.bn(self.conv1(x))\n        return self._block(x)\n');
    const [f, ...rest] = lintWith(normModuleReused, code);
    assert.deepStrictEqual(rest, []);
    assert.ok(f);
    assert.deepStrictEqual(f.related.map((r) => [r.span.start.line + 1, r.message]), [
      [9, 'first call of self.bn'],
      [13, 'self._block is called from the forward pass here'],
      [7, 'the one BatchNorm2d instance'],
    ]);
  });
});
