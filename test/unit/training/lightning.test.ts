import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';

const HEAD = `import lightning as L
import pytorch_lightning as pl
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.bn(self.conv(x))).mean((2, 3))

`;

const training = (text: string) => analysePython(text).training;
const codes = (text: string) => lintPython(text).findings.filter((f) => /^NRM(1\d\d|2\d\d|601)$/.test(f.code)).map((f) => `${f.code}@${f.span.start.line + 1}`);

describe('training IR: PyTorch Lightning', () => {
  it('LightningModule hooks run in the mode Lightning chooses: no missing-eval in validation_step/test_step/predict_step, even after a train() there', () => {
    const text = `${HEAD}
class Lit(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def training_step(self, batch, batch_idx):
        self.encoder.train()
        return self.encoder(batch[0]).sum()

    def validation_step(self, batch, batch_idx):
        preds = self.encoder(batch[0])
        self.log("val", preds.mean())

    def test_step(self, batch, batch_idx):
        with torch.no_grad():
            return self.encoder(batch[0])

    def predict_step(self, batch, batch_idx):
        return self.encoder(batch)
`;
    assert.deepStrictEqual(training(text).sites.filter((s) => s.kind === 'inference'), []);
    assert.deepStrictEqual(codes(text), []);
  });

  it('train_dataloader() of a LightningModule feeds the module; Trainer(accumulate_grad_batches=...) is accumulation', () => {
    const text = `${HEAD}
class Lit(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def training_step(self, batch, batch_idx):
        return self.encoder(batch[0]).sum()

    def train_dataloader(self):
        loader = DataLoader(self.train_set, batch_size=4, shuffle=True)
        return loader

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=4)


trainer = L.Trainer(accumulate_grad_batches=8)
trainer.fit(Lit())
`;
    const ir = training(text);
    assert.deepStrictEqual(ir.loaders.map((l) => [l.role, l.feeds, l.roleEvidence]), [
      ['train', ['self'], "returned by Lit.train_dataloader() (Lightning's training loader)"],
      ['eval', [], "returned by Lit.val_dataloader() (Lightning's validation loader)"],
    ]);
    assert.deepStrictEqual(codes(text), ['NRM102@28', 'NRM103@35']);
    assert.match(lintPython(text).findings.find((f) => f.code === 'NRM102')?.message ?? '', /^Lit trains BatchNorm/);
  });

  it("loaders given to trainer.fit(...) and a LightningDataModule's train_dataloader() feed the fitted model", () => {
    const ir = training(`${HEAD}
class Lit(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()


class Data(L.LightningDataModule):
    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=2, shuffle=True)


model = Lit()
loader = DataLoader(ds, batch_size=3)
trainer = L.Trainer(max_epochs=3)
trainer.fit(model, loader, DataLoader(val_ds, batch_size=64))
trainer.fit(model, datamodule=Data())
`);
    assert.deepStrictEqual(ir.loaders.map((l) => [l.batchSize?.value, l.role, l.feeds]), [
      [2, 'train', ['model']],
      [3, 'train', ['model']],
      [64, 'eval', []],
    ]);
  });

  it('Trainer(sync_batchnorm=True) without a ddp strategy still synchronises BatchNorm (no bn-tiny-batch)', () => {
    const text = `${HEAD}
class Lit(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=4, shuffle=True)


trainer = L.Trainer(devices=8, sync_batchnorm=True)
trainer.fit(Lit())
`;
    assert.deepStrictEqual(training(text).distributed.frameworkStrategies.map((s) => s.syncBatchNorm), [true]);
    assert.deepStrictEqual(codes(text), []);
  });
});
