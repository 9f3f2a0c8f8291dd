import * as assert from 'assert';
import { analysePython } from '../../../src/lint/lint';

/** A training loop, then `between` (calls given the model), then a no-grad forward of it. */
const script = (between: string) => `import torch
import torch.nn as nn
import timm
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.evaluation import inference_on_dataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 32)
        self.bn = nn.BatchNorm1d(32)

    def forward(self, x):
        return self.bn(self.fc(x))


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x in loader:
    model.train()
    optimizer.zero_grad()
    model(x).sum().backward()
    optimizer.step()
model.eval()
${between}with torch.no_grad():
    predictions = model(test_batch)
`;

/** The modes, and whether unresolved, of the no-grad forward's model. */
function modeAtInference(text: string): { modes: readonly string[]; unresolved: boolean } {
  const site = analysePython(text).training.sites.find((s) => s.kind === 'inference');
  assert.ok(site, 'the forward is an inference site');
  return { modes: site.mode.modes, unresolved: site.mode.unresolved };
}

describe('training IR: calls given a model that leave its mode as it was', () => {
  it("detectron2's checkpointer and inference_on_dataset (which restores the mode), timm's resolve_data_config, zip: the model stays in eval mode", () => {
    const between = [
      'DetectionCheckpointer(model).load("model_final.pth")',
      'results = inference_on_dataset(model, val_loader, evaluator)',
      'config = timm.data.resolve_data_config(model=model)',
      'pairs = list(zip([model], [optimizer]))',
    ];
    for (const line of between) assert.deepStrictEqual(modeAtInference(script(`${line}\n`)), { modes: ['eval'], unresolved: false }, line);
  });

  it("calls found on real code that read the model or wrap it in its mode (Fabric's clip_gradients, state dicts, partial, assertions): the model stays in eval mode", () => {
    const between = [
      'fabric.clip_gradients(model, optimizer, max_norm=1.0)',
      'state = accelerator.get_state_dict(model)',
      'state = get_model_state_dict(model)',
      'run = functools.partial(evaluate_one, model)',
      'self.assertIsNotNone(model)',
      'np.testing.assert_allclose(model.fc.weight.detach().numpy(), expected)',
    ];
    for (const line of between) assert.deepStrictEqual(modeAtInference(script(`${line}\n`)), { modes: ['eval'], unresolved: false }, line);
  });

  it('an unknown call given the model still leaves its mode unknown', () => {
    assert.deepStrictEqual(modeAtInference(script('my_lib.prepare_for_export(model)\n')), { modes: [], unresolved: true });
    // (Named like an assertion, but not one: `assertion_hook`, `asserted`.)
    assert.deepStrictEqual(modeAtInference(script('assertion_hook(model)\n')), { modes: [], unresolved: true });
    // (Opacus' wrapper shares the model's modules: its train()/eval() would switch them.)
    assert.deepStrictEqual(modeAtInference(script('private, optimizer, loader = privacy_engine.make_private(module=model, optimizer=optimizer, data_loader=loader)\n')), { modes: [], unresolved: true });
  });
});
