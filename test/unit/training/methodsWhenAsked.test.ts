import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseSyntaxTree } from '../../../src/parsing/python/syntaxTree';
import { Resolver } from '../../../src/parsing/python/resolver';
import { trainingFromTree } from '../../../src/parsing/python/training';
import { resolverValues } from '../../../src/parsing/python/training/values';
import { initPythonParser } from '../../../src/parsing/python/treeSitter';
import type { TrainingIR } from '../../../src/ir/training';

// The training analysis leaves the methods of model classes that record nothing of their own
// (`forward`, an `__init__` building layers) to their callers: it must find what it finds when it
// interprets every method.

const REPO = path.join(__dirname, '..', '..', '..', '..');

function pythonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pythonFiles(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

function training(text: string, everyMethod: boolean): TrainingIR {
  const tree = parseSyntaxTree(text);
  assert.ok(tree);
  const resolver = new Resolver(tree);
  return trainingFromTree(tree, { resolver: resolverValues(resolver), imports: resolver.imports, everyMethod });
}

/** A model class whose `__init__` (nothing of its own) probes its backbone through a method under no_grad, timm's HybridEmbed style. */
const PROBING_INIT = `import torch
import torch.nn as nn
import torchvision


class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = torchvision.models.resnet18()
        self.dim = self._probe()
        self.proj = nn.Linear(self.dim, 64)

    def _probe(self):
        with torch.no_grad():
            return self.backbone(torch.zeros(1, 3, 64, 64)).shape[1]

    def forward(self, x):
        return self.proj(self.backbone(x))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Dropout(0.1))

    def predict(self, x):
        with torch.no_grad():
            return self(x).argmax(1)

    def forward(self, x):
        return self.net(x)


model = Classifier()
print(model.predict(torch.randn(4, 8)))
`;

describe('methods of model classes left to their callers', () => {
  before(async () => {
    await initPythonParser();
  });

  it('the training IR of every fixture and example is the same as when every method is interpreted', () => {
    const files = [...pythonFiles(path.join(REPO, 'test', 'fixtures')), ...pythonFiles(path.join(REPO, 'examples'))];
    assert.ok(files.length > 50);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      assert.deepStrictEqual(training(text, false), training(text, true), path.relative(REPO, file));
    }
  });

  it("a method calling one of its class's that runs a model under no_grad is interpreted (the run resolved in __init__'s state); a method run by a caller in view is applied there", () => {
    const ir = training(PROBING_INIT, false);
    assert.deepStrictEqual(ir, training(PROBING_INIT, true));
    const probe = ir.sites.filter((s) => s.function === '_probe');
    assert.ok(probe.some((s) => s.mode.modes.includes('train') && s.via.length > 0), JSON.stringify(probe.map((s) => [s.mode.modes, s.via.length])));
    const predict = ir.sites.filter((s) => s.function === 'predict' && s.modelInCaller === 'model');
    assert.deepStrictEqual(predict.map((s) => s.mode.modes), [['train']]);
  });
});
