import { IMPORTS, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { frozenBnFinetune } from './rule';

const MODEL = `
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.backbone(x).mean((2, 3)))
`;

const FREEZE = 'model = Classifier()\nfor p in model.backbone.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(model.head.parameters(), lr=0.01)\n';
const LOOP = (first: string) => `for epoch in range(10):\n${first}    for x, y in loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n`;

ruleTests(frozenBnFinetune, {
  valid: [
    { name: 'BN put back in eval after every train()', code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n    for m in model.backbone.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n') },
    { name: 'the whole frozen backbone in eval mode after train()', code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n    model.backbone.eval()\n') },
    {
      name: 'a train() override keeps BN frozen',
      code: IMPORTS + MODEL.replace('    def forward', '    def train(self, mode=True):\n        super().train(mode)\n        for m in self.backbone.modules():\n            if isinstance(m, nn.BatchNorm2d):\n                m.eval()\n        return self\n\n    def forward') + FREEZE + LOOP('    model.train()\n'),
    },
    { name: 'frozen model without BatchNorm', code: IMPORTS + LN_ONLY + 'model = Mixer()\nfor p in model.fc1.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(model.fc2.parameters(), lr=0.01)\n' + LOOP('    model.train()\n') },
    { name: 'a freeze method that also freezes BN statistics', code: IMPORTS + MODEL.replace('    def forward', '    def freeze_backbone(self):\n        for p in self.backbone.parameters():\n            p.requires_grad = False\n        for m in self.backbone.modules():\n            if isinstance(m, nn.BatchNorm2d):\n                m.eval()\n\n    def forward') + 'model = Classifier()\noptimizer = torch.optim.SGD(model.head.parameters(), lr=0.01)\n' + LOOP('    model.train()\n    model.freeze_backbone()\n') },
  ],
  invalid: [
    {
      name: 'requires_grad=False only: BN statistics still update',
      code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n'),
      findings: [{ messageId: 'statsStillUpdate', line: 15, column: 1, endLine: 16, endColumn: 28, messageIncludes: ['model.backbone is frozen'] }],
    },
    {
      name: 'the eval() of each epoch\'s validation pass is no BN freeze: the frozen backbone\'s statistics still update (Accelerate cv_example style)',
      code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n') + '    model.eval()\n    with torch.no_grad():\n        for x, y in val_loader:\n            model(x)\n',
      findings: [{ messageId: 'statsStillUpdate', line: 15, column: 1, endLine: 16, endColumn: 28, messageIncludes: ['model.backbone is frozen'] }],
    },
    {
      name: 'a BN freeze before the loop undone by model.train()',
      code: IMPORTS + MODEL + FREEZE + 'for m in model.backbone.modules():\n    if isinstance(m, nn.BatchNorm2d):\n        m.eval()\n' + LOOP('    model.train()\n'),
      findings: [{ messageId: 'freezeUndone', line: 22, column: 5, endLine: 22, endColumn: 18, messageIncludes: ['model.train() at line 22', 'freeze at line 20'] }],
    },
  ],
});
