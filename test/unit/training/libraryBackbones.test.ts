import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';
import type { ModelFacts } from '../../../src/ir/training';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';

/** A model class whose `__init__` holds `backbone` (a library model's construction), then an instance of it. */
const wrapper = (imports: string, backbone: string) => `import torch.nn as nn
${imports}


class Classifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.backbone = ${backbone}
        self.head = nn.Linear(1000, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


model = Classifier()
`;

function factsOf(text: string): ModelFacts {
  const model = analysePython(text).training.models.find((m) => m.name === 'model');
  assert.ok(model, 'model is a model variable');
  return model.facts;
}

const kinds = (layers: ModelFacts['batchNorms']) => layers.map((l) => l.kind);

describe('training IR: library models built in a model class', () => {
  it("a torchvision ResNet in __init__: the class has its BatchNorm, at the call that builds it", () => {
    const text = wrapper('from torchvision import models', 'models.resnet50(weights="IMAGENET1K_V2")');
    const facts = factsOf(text);
    assert.deepStrictEqual(kinds(facts.batchNorms), ['BatchNorm2d']);
    assert.deepStrictEqual(kinds(facts.affineNorms), ['BatchNorm2d']);
    const at = text.indexOf('models.resnet50');
    assert.strictEqual(facts.batchNorms[0]?.span?.startOffset, at);
  });

  it('a timm ViT: LayerNorm, no BatchNorm', () => {
    const vit = factsOf(wrapper('import timm', 'timm.create_model("vit_base_patch16_224", pretrained=True)'));
    assert.deepStrictEqual([kinds(vit.batchNorms), kinds(vit.affineNorms)], [[], ['LayerNorm']]);
  });

  it("a Hugging Face model: its LayerNorm's affine parameters, not its Dropout (from_pretrained returns it in eval mode, which the class does not change)", () => {
    const text = wrapper('import torch\nfrom transformers import AutoModel', 'AutoModel.from_pretrained("bert-base-uncased")');
    const bert = factsOf(text);
    assert.deepStrictEqual([kinds(bert.batchNorms), kinds(bert.otherModeDependent), kinds(bert.affineNorms)], [[], [], ['LayerNorm']]);
    // (So a restored classifier run under no_grad is no NRM202: its Dropout is in eval mode.)
    const codes = lintPython(`${text}model.load_state_dict(torch.load("clf.pt"))\nwith torch.no_grad():\n    logits = model(batch)\n`).findings.map((f) => f.code);
    assert.ok(!codes.includes('NRM202'), codes.join(','));
  });

  it('a library model the class puts in eval mode (a perceptual loss\'s VGG, a frozen backbone): its BatchNorm is not in training mode with the class', () => {
    for (const backbone of ['models.vgg19_bn(weights="IMAGENET1K_V1").features.eval()', 'models.resnet50(weights="IMAGENET1K_V2")\n        self.backbone.eval()']) {
      const facts = factsOf(wrapper('from torchvision import models', backbone));
      assert.deepStrictEqual([kinds(facts.batchNorms), kinds(facts.affineNorms)], [[], ['BatchNorm2d']], backbone);
    }
    // (An eval() of something else changes nothing.)
    assert.deepStrictEqual(kinds(factsOf(wrapper('from torchvision import models', 'models.resnet50()\n        self.head.eval()')).batchNorms), ['BatchNorm2d']);
  });

  it("a library model whose parameters the class freezes: its BatchNorm still computes batch statistics, but its affine parameters are not the class's to train (no NRM601)", () => {
    for (const freeze of ['\n        self.backbone.requires_grad_(False)', '\n        for p in self.backbone.parameters():\n            p.requires_grad = False']) {
      const text = wrapper('import torch\nfrom torchvision import models', `models.resnet50(weights="IMAGENET1K_V2")${freeze}`);
      const facts = factsOf(text);
      assert.deepStrictEqual([kinds(facts.batchNorms), kinds(facts.affineNorms)], [['BatchNorm2d'], []], freeze);
      const codes = lintPython(`${text}optimizer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)\n`).findings.map((f) => f.code);
      assert.ok(!codes.includes('NRM601'), codes.join(','));
    }
  });

  it('a Keras application in a keras.Model subclass adds nothing (its trainable flag and training= decide, which class facts do not read)', () => {
    const text = `import keras


class Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.base = keras.applications.ResNet50(include_top=False, weights="imagenet")
        self.base.trainable = False
        self.head = keras.layers.Dense(10)

    def call(self, x, training=False):
        return self.head(self.base(x, training=False))


model = Classifier()
model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss="mse")
model.fit(train_ds, epochs=3, batch_size=1)
`;
    assert.deepStrictEqual(lintPython(text).findings.map((f) => f.code), []);
  });

  it('a backbone built with FrozenBatchNorm2d (DETR, torchvision detection): frozen statistics, no trainable BatchNorm', () => {
    const facts = factsOf(wrapper('import torchvision\nfrom torchvision.ops.misc import FrozenBatchNorm2d', 'torchvision.models.resnet50(norm_layer=FrozenBatchNorm2d)'));
    assert.deepStrictEqual(kinds(facts.batchNorms), []);
    assert.strictEqual(facts.frozenBatchNorm, true);
  });

  it('a name that is no library model (a local `models` dict) adds nothing', () => {
    const facts = factsOf(wrapper('models = {"a": nn.Identity}', 'models.get("a")()'));
    assert.deepStrictEqual([kinds(facts.batchNorms), kinds(facts.affineNorms)], [[], []]);
  });

  it('an open document follows the backbone as it is edited', () => {
    assertEditSequenceMatchesFresh(wrapper('import torchvision', 'torchvision.models.resnet50()'), [
      ['resnet50()', 'vit_b_16()'],
      ['vit_b_16()', 'resnet50(norm_layer=nn.SyncBatchNorm)'],
      ['import torchvision', 'import torchvision as tv'],
      ['import torchvision as tv', 'import torchvision'],
    ]);
  });
});

describe('training IR: library models picked by a name the code does not spell out', () => {
  const ARGS = `import argparse
import torch
import timm
import torchvision.models as models

parser = argparse.ArgumentParser()
parser.add_argument('-a', '--arch', default='resnet18')
parser.add_argument('--model', default='vit_base_patch16_224')
parser.add_argument('--required-arch', choices=['resnet18', 'vgg16'])
ARCH = 'vgg16'
args = parser.parse_args()
`;
  const VALIDATE = `

def evaluate(x):
    with torch.no_grad():
        return model(x)


model.train()
evaluate(x)
`;
  const findings = (text: string) => lintPython(text).findings.filter((f) => f.code === 'NRM202');

  it("`models.__dict__[args.arch]()` of torchvision: the architecture of the argparse default, saying what picked it", () => {
    const text = `${ARGS}model = models.__dict__[args.arch](pretrained=True)\n${VALIDATE}`;
    const facts = factsOf(text);
    assert.strictEqual(facts.evidence, 'library');
    assert.deepStrictEqual(kinds(facts.batchNorms), ['BatchNorm2d']);
    assert.strictEqual(facts.chosenBy, 'picked by args.arch as its argparse default of --arch');
    assert.strictEqual(facts.pretrained, true);
    const [f] = findings(text);
    assert.match(f?.message ?? '', /switch BatchNorm2d to inference behaviour\. Call model\.eval\(\) as well\. \(torchvision\.models\.resnet18, picked by args\.arch as its argparse default of --arch, is known to contain BatchNorm layers\.\)$/);
  });

  it('`getattr(models, ARCH)()` with a module constant, and `timm.create_model(args.model)`', () => {
    const vgg = factsOf(`${ARGS}model = getattr(models, ARCH)()\n`);
    assert.deepStrictEqual([vgg.name, kinds(vgg.batchNorms), kinds(vgg.otherModeDependent), vgg.chosenBy], ['torchvision.models.vgg16', [], ['Dropout'], 'picked by ARCH']);
    const resnet = factsOf(`${ARGS.replace("default='vit_base_patch16_224'", "default='resnet50'")}model = timm.create_model(args.model, num_classes=10)\n`);
    assert.deepStrictEqual([kinds(resnet.batchNorms), resnet.chosenBy], [['BatchNorm2d'], 'picked by args.model as its argparse default of --model']);
    // A default naming a model without BatchNorm or Dropout (a ViT: LayerNorm, no dropout by default) says nothing of a run
    // picking another one: the model stays not known, as an unresolved name leaves it (NRM202 says so at info level).
    assert.strictEqual(analysePython(`${ARGS}model = timm.create_model(args.model, num_classes=10)\n`).training.models.find((m) => m.name === 'model'), undefined);
    const vit = factsOf(`${ARGS}MODEL = 'vit_base_patch16_224'\nmodel = timm.create_model(MODEL, num_classes=10)\n`);
    assert.deepStrictEqual([kinds(vit.batchNorms), kinds(vit.affineNorms), vit.chosenBy], [[], ['LayerNorm'], 'picked by MODEL']);
  });

  it('a name that does not resolve, or a module that is no model zoo, picks nothing known', () => {
    const noModel = (text: string) => assert.strictEqual(analysePython(text).training.models.find((m) => m.name === 'model'), undefined);
    noModel(`${ARGS}model = models.__dict__[args.required_arch]()\n`);
    assert.deepStrictEqual(findings(`${ARGS}model = models.__dict__[args.required_arch]()\n${VALIDATE}`).map((f) => f.severity), ['info']);
    const local = `${ARGS.replace('import torchvision.models as models', 'import my_models as models')}model = models.__dict__[args.arch]()\n`;
    noModel(local);
  });
});

describe('training IR: library models built by name (torchvision get_model, Torch Hub)', () => {
  const built = (imports: string, call: string) => `${imports}\n\nmodel = ${call}\n`;
  const facts = (imports: string, call: string) => factsOf(built(imports, call));
  const summary = (f: ModelFacts) => [f.name, kinds(f.batchNorms), kinds(f.otherModeDependent), kinds(f.affineNorms)];

  it("`torchvision.models.get_model('resnet50')`: torchvision's builder of that name (positional or `name=`, imported or qualified)", () => {
    assert.deepStrictEqual(summary(facts('import torchvision', "torchvision.models.get_model('resnet50', weights='DEFAULT')")), ["torchvision.models.get_model('resnet50')", ['BatchNorm2d'], [], ['BatchNorm2d']]);
    assert.deepStrictEqual(summary(facts('from torchvision.models import get_model', 'get_model(name="vgg16")')), ["torchvision.models.get_model('vgg16')", [], ['Dropout'], []]);
    assert.deepStrictEqual(summary(facts('from torchvision.models import get_model', "get_model('vit_b_16')")), ["torchvision.models.get_model('vit_b_16')", [], [], ['LayerNorm']]);
    assert.strictEqual(facts('import torchvision', "torchvision.models.get_model('resnet50', weights='DEFAULT')").pretrained, true);
  });

  it("`torch.hub.load(repo, entry)`: the entry points of known hub repositories, with or without a tag, positional or by keyword", () => {
    const hub = (args: string) => facts('import torch', `torch.hub.load(${args})`);
    assert.deepStrictEqual(summary(hub("'pytorch/vision:v0.10.0', 'resnet18', pretrained=True")), ["torch.hub.load('pytorch/vision:v0.10.0', 'resnet18')", ['BatchNorm2d'], [], ['BatchNorm2d']]);
    assert.strictEqual(hub("'pytorch/vision:v0.10.0', 'resnet18', pretrained=True").pretrained, true);
    // (A backbone a model class loads from the hub in its __init__: the class has its BatchNorm.)
    assert.deepStrictEqual(kinds(factsOf(wrapper('import torch', "torch.hub.load('facebookresearch/dino:main', 'dino_resnet50')")).batchNorms), ['BatchNorm2d']);
    assert.deepStrictEqual(kinds(hub("repo_or_dir='facebookresearch/dino:main', model='dino_resnet50'").batchNorms), ['BatchNorm2d']);
    assert.deepStrictEqual(summary(hub("'facebookresearch/dinov2', 'dinov2_vits14'")).slice(1), [[], [], ['LayerNorm']]);
    assert.deepStrictEqual(kinds(hub("'facebookresearch/pytorchvideo', model='slow_r50', pretrained=True").batchNorms), ['BatchNorm3d']);
    assert.deepStrictEqual(kinds(hub("'NVIDIA/DeepLearningExamples:torchhub', 'nvidia_resnet50'").batchNorms), ['BatchNorm2d']);
  });

  it('a hub entry point of an unknown repository, a local hub directory or a name that is no string: not known', () => {
    const noModel = (call: string) => assert.strictEqual(analysePython(built('import torch', call)).training.models.find((m) => m.name === 'model'), undefined, call);
    noModel("torch.hub.load('someone/their-models', 'resnet50')");
    noModel("torch.hub.load('pytorch/vision', 'resnet50', source='local')");
    noModel("torch.hub.load('pytorch/vision', entry_point)");
  });

  it("a name the code picks (`get_model(args.model)`, `torch.hub.load('pytorch/vision', ARCH)`): the architecture it resolves to, saying what picked it", () => {
    const args = "import argparse\nimport torch\nimport torchvision\n\nparser = argparse.ArgumentParser()\nparser.add_argument('--model', default='resnet50')\nargs = parser.parse_args()\nARCH = 'mobilenet_v2'";
    assert.deepStrictEqual([summary(facts(args, 'torchvision.models.get_model(args.model)')).slice(0, 2), facts(args, 'torchvision.models.get_model(args.model)').chosenBy], [["torchvision.models.get_model('resnet50')", ['BatchNorm2d']], 'picked by args.model as its argparse default of --model']);
    const picked = facts(args, "torch.hub.load('pytorch/vision', ARCH, pretrained=True)");
    assert.deepStrictEqual([picked.name, kinds(picked.batchNorms), picked.chosenBy, picked.pretrained], ["torch.hub.load('pytorch/vision', 'mobilenet_v2')", ['BatchNorm2d'], 'picked by ARCH', true]);
  });

  it("segmentation_models_pytorch's architectures and lukemelas' EfficientNet (returned in training mode, unlike Hugging Face's from_pretrained)", () => {
    assert.deepStrictEqual(summary(facts('import segmentation_models_pytorch as smp', 'smp.Unet("resnet34", encoder_weights="imagenet", classes=2)')), ['segmentation_models_pytorch.Unet', ['BatchNorm2d'], [], ['BatchNorm2d']]);
    const effnet = facts('from efficientnet_pytorch import EfficientNet', "EfficientNet.from_pretrained('efficientnet-b0')");
    assert.deepStrictEqual([kinds(effnet.batchNorms), effnet.pretrained], [['BatchNorm2d'], true]);
    const run = "from efficientnet_pytorch import EfficientNet\nimport torch\n\nmodel = EfficientNet.from_pretrained('efficientnet-b0')\nwith torch.no_grad():\n    labels = model(images).argmax(1)\nprint(labels)\n";
    assert.deepStrictEqual(lintPython(run).findings.map((f) => f.code), ['NRM202']);
    // (A model class of the file's body building one: the class has its BatchNorm.)
    assert.deepStrictEqual(kinds(factsOf(wrapper('import segmentation_models_pytorch as smp', 'smp.FPN("efficientnet-b0")')).batchNorms), ['BatchNorm2d']);
  });

  it('a pretrained model run under no_grad without eval() is reported (NRM202): given its weights, it is no smoke test', () => {
    const script = (call: string) => `import torch\nimport torchvision\n\nmodel = ${call}\nimages = torch.randn(4, 3, 224, 224)\nwith torch.no_grad():\n    out = model(images)\nprint(out.argmax(1))\n`;
    const codes = (call: string) => lintPython(script(call)).findings.map((f) => f.code);
    assert.deepStrictEqual(codes("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)"), ['NRM202']);
    assert.deepStrictEqual(codes("torchvision.models.resnet50(weights='DEFAULT')"), ['NRM202']);
    // (Built without weights and never given any: a shape smoke test, whose outputs are random in either mode.)
    assert.deepStrictEqual(codes('torchvision.models.resnet50()'), []);
    assert.deepStrictEqual(codes("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True).eval()"), []);
  });
});
