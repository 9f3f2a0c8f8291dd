import * as assert from 'assert';
import { analysePython } from '../../../src/lint/lint';

/** Two pretrained models, `setup` (what is done to them), then a no-grad forward of `model`. */
const script = (setup: string) => `import torch
import torch.nn as nn
import torchvision

backbone = torchvision.models.resnet50(weights="IMAGENET1K_V2")
decoder = torchvision.models.vgg16_bn(weights="IMAGENET1K_V1")
head = nn.Linear(2048, 10)
${setup}with torch.no_grad():
    predictions = model(test_batch)
`;

/** The modes of the model the no-grad forward runs, and the models named by their origins. */
function inference(text: string): { modes: readonly string[]; origins: readonly string[]; batchNorms: number } {
  const site = analysePython(text).training.sites.find((s) => s.kind === 'inference' && s.model === 'model');
  assert.ok(site, 'the forward of model is an inference site');
  return { modes: site.mode.modes, origins: site.mode.origins.map((o) => o.description), batchNorms: site.facts.batchNorms.length };
}

describe('training IR: nn.Sequential containers of models assigned before', () => {
  it('a model and a layer: the container has the model\'s layers and is in its modes (an eval() before it counts)', () => {
    const r = inference(script('backbone.eval()\nmodel = nn.Sequential(backbone, head)\n'));
    assert.deepStrictEqual(r.modes, ['eval']);
    assert.deepStrictEqual(r.origins, ['backbone.eval()']);
    assert.ok(r.batchNorms > 0, 'the ResNet\'s BatchNorm layers');
  });

  it('listing a model in nn.Sequential(...) leaves that model in its mode (it is no opaque call)', () => {
    const text = script('backbone.eval()\nmodel = nn.Sequential(backbone, head)\nwith torch.no_grad():\n    features = backbone(test_batch)\n');
    const site = analysePython(text).training.sites.find((s) => s.kind === 'inference' && s.model === 'backbone');
    assert.deepStrictEqual(site?.mode.modes, ['eval']);
  });

  it('two models: the modes of each', () => {
    assert.deepStrictEqual(inference(script('backbone.eval()\nmodel = nn.Sequential(backbone, decoder)\n')).modes, ['train', 'eval']);
    assert.deepStrictEqual(inference(script('backbone.eval()\ndecoder.eval()\nmodel = nn.Sequential(backbone, decoder)\n')).modes, ['eval']);
  });

  it('a model and a new mode-dependent layer: the model\'s modes, and the training mode the new Dropout starts in', () => {
    const r = inference(script('backbone.eval()\nmodel = nn.Sequential(backbone, nn.Dropout(0.5), head)\n'));
    assert.deepStrictEqual(r.modes, ['train', 'eval']);
    assert.deepStrictEqual(r.origins, ['backbone.eval()', 'nn.Sequential(...) built']);
  });

  it('a switch of the container after it is built decides', () => {
    assert.deepStrictEqual(inference(script('model = nn.Sequential(backbone, head)\nmodel.eval()\n')).modes, ['eval']);
  });
});
