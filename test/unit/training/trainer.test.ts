import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';
import { describeOrigin, type TrainingIR } from '../../../src/ir/training';
import { lineWhere } from '../../../src/ir/values';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';

const HEAD = `import torch
import torch.nn as nn
from transformers import Trainer, TrainingArguments


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 32)
        self.bn = nn.BatchNorm1d(32)
        self.norm = nn.LayerNorm(32)
        self.out = nn.Linear(32, 2)

    def forward(self, x, labels=None):
        return self.out(self.norm(self.bn(self.fc(x))))

`;

const training = (text: string): TrainingIR => analysePython(text).training;
/** Findings of the training rules (the model rules have their own opinion of Net). */
const codes = (text: string) => lintPython(text).findings.filter((f) => /^NRM(1\d\d|2\d\d|601)$/.test(f.code)).map((f) => `${f.code}@${f.span.start.line + 1}`);

describe('training IR: the Hugging Face Trainer', () => {
  it('the TrainingArguments a Trainer uses feed its model: batch size, drop_last and their defaults', () => {
    const ir = training(`${HEAD}
def main():
    model = Net()
    args = TrainingArguments(output_dir="out", gradient_accumulation_steps=4)
    trainer = Trainer(model=model, args=args, train_dataset=train_ds)
    trainer.train()
`);
    const loader = ir.loaders.find((l) => l.framework === 'huggingface');
    assert.deepStrictEqual(loader?.feeds, ['model']);
    assert.strictEqual(loader.batchSize?.value, 8);
    assert.match(loader.batchSize.provenance, /TrainingArguments' default per_device_train_batch_size=8/);
    assert.strictEqual(loader.dropLast?.value, false);
    assert.match(loader.roleEvidence, /the Trainer's training arguments$/);
    assert.deepStrictEqual(ir.gradAccum.map((g) => [g.kind, g.steps.value]), [['framework-argument', 4]]);
  });

  it('trainer.train()/evaluate()/predict() are neither mode switches nor inference runs; the model\'s mode after them is unknown', () => {
    const text = `${HEAD}
model = Net()
trainer = Trainer(model, TrainingArguments(output_dir="out", per_device_train_batch_size=64, dataloader_drop_last=True))
trainer.train()
metrics = trainer.evaluate()
predictions = trainer.predict(test_ds)
with torch.no_grad():
    logits = model(batch)
`;
    const ir = training(text);
    assert.deepStrictEqual(ir.modeSwitches, []);
    assert.deepStrictEqual(ir.sites.filter((s) => s.kind === 'inference').map((s) => s.model), ['model']);
    const site = ir.sites.find((s) => s.kind === 'inference');
    assert.deepStrictEqual(site?.mode.modes, []);
    assert.strictEqual(site.mode.unresolved, true);
    assert.match(site.mode.origins[0] ? describeOrigin(site.mode.origins[0], lineWhere) : '', /trainer\.predict\(\) at line 22 \(the trainer sets train\/eval mode itself\)/);
    assert.deepStrictEqual(codes(text), []);
  });

  it("the Hugging Face ecosystem's Trainer subclasses (Optimum's ORTTrainer, sentence-transformers') are trainers: train() switches nothing", () => {
    for (const [from, cls] of [
      ['optimum.onnxruntime', 'ORTTrainer'],
      ['optimum.intel', 'INCTrainer'],
      ['sentence_transformers', 'SentenceTransformerTrainer'],
    ]) {
      const text = `${HEAD.replace('from transformers import Trainer, TrainingArguments', `from transformers import TrainingArguments\nfrom ${from} import ${cls}`)}
model = Net()
trainer = ${cls}(model=model, args=TrainingArguments(output_dir="out", per_device_train_batch_size=64, dataloader_drop_last=True))
trainer.train()
with torch.no_grad():
    output = trainer.model(**batch)
`;
      const ir = training(text);
      assert.deepStrictEqual(ir.modeSwitches, [], cls);
      assert.deepStrictEqual(ir.loaders.filter((l) => l.framework === 'huggingface').map((l) => l.feeds), [['model']], cls);
      assert.deepStrictEqual(codes(text), [], cls);
    }
  });

  it('the Trainer\'s own AdamW leaves LayerNorm and bias out of the decay: no NRM601, whatever weight_decay', () => {
    const text = `${HEAD}
model = Net()
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out", per_device_train_batch_size=64, dataloader_drop_last=True, weight_decay=0.1))
trainer.train()
`;
    const opt = training(text).optimizers;
    assert.deepStrictEqual(opt.map((o) => [o.kind, o.models, o.weightDecay?.value, o.excludesNormsFromDecay]), [['Trainer (AdamW)', ['model'], 0.1, true]]);
    assert.deepStrictEqual(codes(text), []);
  });

  it('optimizers=(...) given to the Trainer: its own optimizer is the one checked', () => {
    const text = `${HEAD}
model = Net()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out", per_device_train_batch_size=64, dataloader_drop_last=True), optimizers=(optimizer, None))
trainer.train()
`;
    assert.deepStrictEqual(training(text).optimizers.map((o) => o.kind), ['AdamW']);
    assert.deepStrictEqual(codes(text), ['NRM601@19']);
  });

  it('a Trainer subclass of the file counts; one that builds its own decay groups is not the built-in optimizer', () => {
    const ir = training(`${HEAD}
class FocalTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        return model(**inputs).sum()


class GroupedTrainer(Trainer):
    def create_optimizer(self):
        return super().create_optimizer()


model = Net()
a = FocalTrainer(model=model, args=TrainingArguments(output_dir="a", per_device_train_batch_size=4))
b = GroupedTrainer(model=model, args=TrainingArguments(output_dir="b", per_device_train_batch_size=4))
a.train()
`);
    assert.deepStrictEqual(ir.optimizers.map((o) => o.variable), ['a']);
    assert.deepStrictEqual(ir.loaders.map((l) => [l.framework, l.feeds]), [['huggingface', ['model']], ['huggingface', ['model']]]);
  });

  it('a class of the file is a trainer through a base named ...Trainer; in an open document, as that base comes and goes', () => {
    const text = `${HEAD}
class Base(object):
    pass


class Custom(Base):
    pass


model = Net()
trainer = Custom(model=model, args=TrainingArguments(output_dir="a", per_device_train_batch_size=4))
trainer.train()
`;
    assert.deepStrictEqual(training(text).optimizers, []);
    assert.deepStrictEqual(training(text.replace('Base(object)', 'Base(Trainer)')).optimizers.map((o) => o.variable), ['trainer']);
    assertEditSequenceMatchesFresh(text, [
      ['Base(object)', 'Base(Trainer)'],
      ['per_device_train_batch_size=4', 'per_device_train_batch_size=8'],
      ['Base(Trainer)', 'Base(object)'],
      ['per_device_train_batch_size=8', 'per_device_train_batch_size=2'],
      ['Base(object)', 'Base(Trainer)'],
    ]);
  });

  it('a checkpoint of a BatchNorm family loaded with from_pretrained has BatchNorm', () => {
    const ir = training(`from transformers import AutoModelForImageClassification, ResNetForImageClassification
a = AutoModelForImageClassification.from_pretrained("microsoft/resnet-50")
b = ResNetForImageClassification.from_pretrained(path)
c = AutoModelForImageClassification.from_pretrained("google/vit-base-patch16-224")
`);
    const bn = (name: string) => ir.models.find((m) => m.name === name)?.facts.batchNorms.length;
    assert.deepStrictEqual([bn('a'), bn('b'), bn('c')], [1, 1, 0]);
  });

  it('a TensorFlow class loaded with from_pretrained is a Keras model (no train/eval mode), with Keras layer kinds', () => {
    const ir = training(`from transformers import TFAutoModelForImageClassification, TFBertModel, BertModel
a = TFAutoModelForImageClassification.from_pretrained("microsoft/resnet-50")
b = TFBertModel.from_pretrained("bert-base-uncased")
c = BertModel.from_pretrained("bert-base-uncased")
`);
    const facts = (name: string) => ir.models.find((m) => m.name === name)?.facts;
    const kinds = (name: string) => `${facts(name)?.keras === true} ${[...(facts(name)?.batchNorms ?? []), ...(facts(name)?.affineNorms ?? [])].map((l) => l.kind).join(',')}`;
    assert.deepStrictEqual([kinds('a'), kinds('b'), kinds('c')], ['true BatchNormalization,BatchNormalization', 'true LayerNormalization', 'false LayerNorm']);
  });

  it('a tokenizer, config or processor loaded with from_pretrained is no model', () => {
    const ir = training(`from transformers import AutoConfig, AutoImageProcessor, AutoModel, AutoTokenizer, BertTokenizer, TFAutoModelForSequenceClassification
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
slow = BertTokenizer.from_pretrained("bert-base-uncased")
config = AutoConfig.from_pretrained("bert-base-uncased")
processor = AutoImageProcessor.from_pretrained("microsoft/resnet-50")
model = AutoModel.from_pretrained("bert-base-uncased")
tf_model = TFAutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
`);
    assert.deepStrictEqual(ir.models.map((m) => m.name), ['model', 'tf_model']);
  });
});
