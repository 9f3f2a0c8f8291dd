import * as assert from 'assert';
import type { ModelFacts } from '../../../src/ir/training';
import { analysePythonFile, fileIRFromTree } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';
import { bindingsReuse, flowReuse } from '../../../src/parsing/python/training/flowMemo';
import type { ImportedFunction } from '../../../src/parsing/python/training/importedFunctions';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';

// Flow summaries kept between the analyses of an open document (src/parsing/python/training/flowMemo.ts):
// each case is an edit in one statement that changes what another, untouched statement's
// functions mean, through a file-wide fact rather than a name that statement mentions.

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** Edits the document, checks its training IR equals a fresh analysis, and returns both IRs' training parts (before, after). */
function edit(text: string, from: string, to: string): { before: unknown; after: unknown } {
  const doc = new PythonDocument(text);
  try {
    const before = plain(doc.analyse().training);
    const at = text.indexOf(from);
    assert.ok(at >= 0, from);
    const next = text.slice(0, at) + to + text.slice(at + from.length);
    const after = plain(doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]).training);
    assert.deepStrictEqual(after, plain(analysePythonFile(next).training), `${from} -> ${to}`);
    // ...and back.
    const undone = plain(doc.applyChanges([{ startOffset: at, oldEndOffset: at + to.length, newText: from }]).training);
    assert.deepStrictEqual(undone, before, `${to} -> ${from}`);
    return { before, after };
  } finally {
    doc.dispose();
  }
}

/** What the workspace index would say of a class `Net` in another file. */
function netFacts(batchNorm: boolean): ModelFacts {
  return {
    evidence: 'file',
    name: 'Net',
    batchNorms: batchNorm ? [{ kind: 'BatchNorm2d', span: undefined }] : [],
    otherModeDependent: [],
    affineNorms: [],
    trainKeepsBatchNormFrozen: false,
    frozenBatchNorm: false,
  };
}

const SCRIPT = `import torch
from accelerate import Accelerator


def evaluate(thing, batch):
    with torch.no_grad():
        return thing(batch)


def update(o):
    o.step()


def launch(model, x):
    model.eval()
    net_wrapped = acc.prepare(model)
    with torch.no_grad():
        return net_wrapped(x)


def setup(thing):
    thing.train()
    opt = None
    acc = None
    return opt, acc
`;

describe('training IR: flow summaries kept across edits', () => {
  it('an edit inside one function summarises that function again and keeps the others', () => {
    const doc = new PythonDocument(SCRIPT);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      assert.deepStrictEqual(flowReuse(memo), { reused: 0, computed: 4, statements: { reused: 0, computed: 0 } });
      const at = SCRIPT.indexOf('o.step()');
      doc.applyChanges([{ startOffset: at, oldEndOffset: at + 1, newText: 'p' }]);
      assert.deepStrictEqual(flowReuse(memo), { reused: 3, computed: 1, statements: { reused: 0, computed: 0 } });
    } finally {
      doc.dispose();
    }
  });

  it("a caller is summarised again when a callee's summary is (here: the callee asks another file)", () => {
    const text = `from models import Net


def build():
    return Net()


def main():
    build()


def other():
    return 1
`;
    const doc = new PythonDocument(text);
    try {
      const tree = () => doc.syntaxTree as NonNullable<typeof doc.syntaxTree>;
      const external = (name: string): ModelFacts | undefined => (name === 'Net' ? netFacts(false) : undefined);
      fileIRFromTree(tree(), { external });
      const at = text.indexOf('return 1') + 'return '.length;
      doc.edit([{ startOffset: at, oldEndOffset: at + 1, newText: '2' }]);
      fileIRFromTree(tree(), { external });
      // other() changed; build() asked another file; main() applied build()'s summary.
      assert.deepStrictEqual(flowReuse(tree().memo as NonNullable<ReturnType<typeof tree>['memo']>), { reused: 0, computed: 3, statements: { reused: 0, computed: 0 } });
    } finally {
      doc.dispose();
    }
  });

  it('a function that asked another file is kept while that file answers the same, and summarised again once it does not', () => {
    const text = `import torch.nn as nn
from models import Net


def helper():
    layer = nn.Conv2d(3, 3, 3)
    return layer


def other():
    return 1
`;
    const doc = new PythonDocument(text);
    try {
      const tree = () => doc.syntaxTree as NonNullable<typeof doc.syntaxTree>;
      const memo = () => tree().memo as NonNullable<ReturnType<typeof tree>['memo']>;
      const asked: string[] = [];
      // The workspace index answers with the same object while the other file is unchanged.
      const conv = netFacts(true);
      const answering = (convIsLocal: boolean) => (name: string): ModelFacts | undefined => {
        asked.push(name);
        return convIsLocal && name === 'nn.Conv2d' ? conv : undefined;
      };
      fileIRFromTree(tree(), { external: answering(false) });
      assert.ok(asked.includes('nn.Conv2d'), JSON.stringify(asked));
      const edit = (from: string, to: string) => {
        const at = doc.text.indexOf(from);
        doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      };
      edit('return 1', 'return 2');
      asked.length = 0;
      const kept = plain(fileIRFromTree(tree(), { external: answering(false) }).training);
      // helper() is used again (asked again first: the same answer); other() changed.
      assert.deepStrictEqual(flowReuse(memo())?.reused, 1);
      assert.ok(asked.includes('nn.Conv2d'), 'the kept summary asks the other file again');
      assert.deepStrictEqual(kept, plain(analysePythonFile(doc.text).training));
      // Another file now answers for nn.Conv2d (a workspace module `nn`): helper() is summarised again.
      edit('return 2', 'return 3');
      const redone = plain(fileIRFromTree(tree(), { external: answering(true) }).training);
      assert.deepStrictEqual(flowReuse(memo())?.reused, 0);
      const fresh = new PythonDocument(doc.text);
      try {
        assert.deepStrictEqual(redone, plain(fileIRFromTree(fresh.syntaxTree as ReturnType<typeof tree>, { external: answering(true) }).training));
      } finally {
        fresh.dispose();
      }
    } finally {
      doc.dispose();
    }
  });

  it('a function that applied an imported function is kept while its file answers the same, and summarised again once it does not', () => {
    const text = `import torch
from engine import evaluate


def validate(model, loader):
    model.train()
    return evaluate(model, loader)


def other():
    return 1
`;
    // What the workspace index would say of engine.evaluate: a forward under no_grad in the caller's mode.
    const imported = (line: number): ImportedFunction => ({
      name: 'evaluate',
      file: 'engine.py',
      line: 1,
      params: ['model', 'loader'],
      modelParams: ['model'],
      locals: ['x'],
      exit: [],
      events: [{ kind: 'forward', detail: 'model(...)', line, key: 'model', trainedKeys: [], state: [{ key: 'model', facts: [{ mode: 'entry', key: 'model' }] }], reason: 'in evaluate()', noGrad: 'torch.no_grad()', inUnitTest: false }],
    });
    const doc = new PythonDocument(text);
    try {
      const tree = () => doc.syntaxTree as NonNullable<typeof doc.syntaxTree>;
      const memo = () => tree().memo as NonNullable<ReturnType<typeof tree>['memo']>;
      const asked: string[] = [];
      const first = imported(3);
      const answering = (answer: ImportedFunction) => (name: string): ImportedFunction | undefined => {
        asked.push(name);
        return name === 'evaluate' ? answer : undefined;
      };
      const lines = (ir: ReturnType<typeof fileIRFromTree>) => ir.training.sites.map((s) => s.imported?.line);
      assert.deepStrictEqual(lines(fileIRFromTree(tree(), { importedFunctions: answering(first) })), [3]);
      const edit = (from: string, to: string) => {
        const at = doc.text.indexOf(from);
        doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      };
      edit('return 1', 'return 2');
      asked.length = 0;
      assert.deepStrictEqual(lines(fileIRFromTree(tree(), { importedFunctions: answering(first) })), [3]);
      // validate() is used again (asked again first: the same answer); other() changed.
      assert.deepStrictEqual(flowReuse(memo())?.reused, 1);
      assert.ok(asked.includes('evaluate'), 'the kept summary asks the other file again');
      // engine.py changed (a new answer): validate() is summarised again.
      edit('return 2', 'return 3');
      assert.deepStrictEqual(lines(fileIRFromTree(tree(), { importedFunctions: answering(imported(9)) })), [9]);
      assert.deepStrictEqual(flowReuse(memo())?.reused, 0);
    } finally {
      doc.dispose();
    }
  });

  it('a .train()/.eval() call elsewhere makes a name model-like in functions that do not mention the edit', () => {
    const { before, after } = edit(SCRIPT, '    thing.train()\n', '    pass\n');
    assert.notDeepStrictEqual(before, after, 'the edit changes the IR of evaluate()');
  });

  it('an optimizer built in one function makes o.step() a training step in another', () => {
    const { before, after } = edit(SCRIPT, '    opt = None', '    o = torch.optim.SGD([], lr=0.1)');
    assert.notDeepStrictEqual(before, after, 'the edit changes the IR of update()');
  });

  it('an Accelerator built in one function makes acc.prepare(...) a launcher in another', () => {
    const { before, after } = edit(SCRIPT, '    acc = None', '    acc = Accelerator()');
    assert.notDeepStrictEqual(before, after, 'the edit changes the IR of launch()');
  });

  it('a module-level statement is interpreted again when the state before it changed (a switch added above it)', () => {
    const text = `import torch
import torch.nn as nn

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
model.train()
x = torch.randn(1, 3, 8, 8)
print(x.shape)
with torch.no_grad():
    y = model(x)
`;
    const { before, after } = edit(text, 'print(x.shape)', 'model.eval()');
    assert.notDeepStrictEqual(before, after, 'the inference site below sees eval mode');
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      const at = text.indexOf('x.shape') + 2;
      doc.applyChanges([{ startOffset: at, oldEndOffset: at + 'shape'.length, newText: 'dtype' }]);
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      // Only the edited statement is interpreted again: the one below it starts from the same state.
      assert.deepStrictEqual(flowReuse(memo)?.statements, { reused: 4, computed: 1 });
      assert.deepStrictEqual(plain(doc.analyse().training), plain(analysePythonFile(doc.text).training));
    } finally {
      doc.dispose();
    }
  });

  it("a module-level statement is interpreted again when a summary it applied is (here: the function asks another file)", () => {
    const text = `from models import Net


def setup():
    return Net()


setup()
setup()
value = 1
`;
    const doc = new PythonDocument(text);
    try {
      const tree = () => doc.syntaxTree as NonNullable<typeof doc.syntaxTree>;
      const external = (name: string): ModelFacts | undefined => (name === 'Net' ? netFacts(false) : undefined);
      fileIRFromTree(tree(), { external });
      const at = text.indexOf('value = 1') + 'value = '.length;
      doc.edit([{ startOffset: at, oldEndOffset: at + 1, newText: '2' }]);
      fileIRFromTree(tree(), { external });
      // The first setup() call asked another file (never kept); the second applied setup()'s
      // summary made anew; the third statement changed.
      assert.deepStrictEqual(flowReuse(tree().memo as NonNullable<ReturnType<typeof tree>['memo']>)?.statements, { reused: 0, computed: 3 });
    } finally {
      doc.dispose();
    }
  });

  it('facts from another file are asked again at every analysis, and so are the summaries that used them', () => {
    const text = `import torch
from models import Net


def build():
    return Net()


def validate(loader):
    model = build()
    for x in loader:
        model(x)
`;
    const doc = new PythonDocument(text);
    try {
      const tree = doc.syntaxTree;
      assert.ok(tree);
      for (const batchNorm of [true, false, true]) {
        const external = (name: string) => (name === 'Net' ? netFacts(batchNorm) : undefined);
        // The same tree analysed again (another file changed): as fresh as a new analysis.
        const kept = plain(fileIRFromTree(tree, { external }).training);
        const fresh = new PythonDocument(text);
        try {
          assert.deepStrictEqual(kept, plain(fileIRFromTree(fresh.syntaxTree as NonNullable<typeof tree>, { external }).training));
        } finally {
          fresh.dispose();
        }
        const sites = (kept as { sites: { facts: { evidence: string; batchNorms: unknown[] } }[] }).sites;
        assert.ok(sites.some((s) => s.facts.evidence === 'file' && s.facts.batchNorms.length === (batchNorm ? 1 : 0)), JSON.stringify(sites.map((s) => s.facts)));
      }
    } finally {
      doc.dispose();
    }
  });
  it('module-level assignments are bound again only in the statements an edit touches (or that mention what it changed)', () => {
    const text = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(8)


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)


net = Net()
head = Head()
wrapped = net.cuda()
model = torch.compile(head)
`;
    const { before, after } = edit(text, 'nn.Linear(8, 2)', 'nn.BatchNorm1d(8)');
    assert.notDeepStrictEqual(before, after, 'head and model now have a BatchNorm');
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      const at = text.indexOf('nn.Linear(8, 2)');
      doc.applyChanges([{ startOffset: at, oldEndOffset: at + 'nn.Linear(8, 2)'.length, newText: 'nn.BatchNorm1d(8)' }]);
      // \`head = Head()\` mentions the edited class, \`model = torch.compile(head)\` the name it binds; the others keep their writes.
      assert.deepStrictEqual(bindingsReuse(memo), { reused: 2, computed: 2 });
      const models = doc.analyse().training.models.map((m) => [m.name, m.facts.batchNorms.length]);
      assert.deepStrictEqual(models.filter(([n]) => n === 'head' || n === 'model' || n === 'wrapped'), [['head', 1], ['wrapped', 1], ['model', 1]]);
    } finally {
      doc.dispose();
    }
  });

  it("the module's bindings are shared while no module-level assignment's writes change, and made again when one's do", () => {
    const text = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(8)


net = Net()
head = net.cuda()
alias = head


def validate(x):
    net.eval()
    with torch.no_grad():
        return alias(x)


def other(y):
    return y + 1
`;
    // Edits outside module-level assignments (the bindings are shared), then of the class the
    // assignments build (their writes are made again: a shared map would keep the BatchNorm), then
    // of a module-level assignment itself, each checked against a fresh analysis.
    assertEditSequenceMatchesFresh(text, [
      ['return y + 1', 'return y + 2'],
      ['self.bn = nn.BatchNorm2d(8)', 'self.bn = nn.Linear(8, 8)'],
      ['return y + 2', 'return y + 3'],
      ['alias = head', 'alias = net'],
      ['return y + 3', 'return y + 4'],
      ['self.bn = nn.Linear(8, 8)', 'self.bn = nn.BatchNorm2d(8)'],
      ['return y + 4', 'return y + 5'],
    ]);
  });

  it('the events, mode switches and no-grad regions of functions and module-level statements whose flow is kept are those of a fresh analysis', () => {
    const text = `import torch


def validate(model, loader):
    model.eval()
    with torch.no_grad():
        for x in loader:
            model(x)


def train(model, loader, opt):
    model.train()
    for x in loader:
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()


def helper(v):
    return v * 2


net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4))
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
net.train()
with torch.no_grad():
    net.eval()
train(net, [], optimizer)
validate(net, [])
`;
    assertEditSequenceMatchesFresh(text, [
      ['return v * 2', 'return v * 3'],
      ['return v * 3', 'return v * 4'],
      ['    model.train()\n', '    model.train()\n    helper(1)\n'],
      ['return v * 4', 'return v * 5'],
      ['validate(net, [])', 'validate(net, [1])'],
      ['return v * 5', 'return v * 6'],
    ]);
  });

  it('a module-level assignment that asked another file is bound again at every analysis', () => {
    const text = `from models import Net

net = Net()
value = 1
`;
    const doc = new PythonDocument(text);
    try {
      const tree = () => doc.syntaxTree as NonNullable<typeof doc.syntaxTree>;
      const external = (name: string): ModelFacts | undefined => (name === 'Net' ? netFacts(true) : undefined);
      fileIRFromTree(tree(), { external });
      const at = text.indexOf('value = 1') + 'value = '.length;
      doc.edit([{ startOffset: at, oldEndOffset: at + 1, newText: '2' }]);
      const ir = fileIRFromTree(tree(), { external: (name) => (name === 'Net' ? netFacts(false) : undefined) });
      assert.deepStrictEqual(bindingsReuse(tree().memo as NonNullable<ReturnType<typeof tree>['memo']>), { reused: 0, computed: 2 });
      const net = ir.training.models.find((m) => m.name === 'net');
      assert.strictEqual(net?.facts.batchNorms.length, 0, 'the other file now says Net has no BatchNorm');
    } finally {
      doc.dispose();
    }
  });
  it('what was bound without asking other files is bound again once they are asked (the workspace index arrived)', () => {
    const text = `from models import Net

net = Net()
`;
    const doc = new PythonDocument(text);
    try {
      const tree = doc.syntaxTree as NonNullable<typeof doc.syntaxTree>;
      assert.strictEqual(fileIRFromTree(tree).training.models.find((m) => m.name === 'net'), undefined);
      const ir = fileIRFromTree(tree, { external: (name) => (name === 'Net' ? netFacts(true) : undefined) });
      assert.strictEqual(ir.training.models.find((m) => m.name === 'net')?.facts.batchNorms.length, 1);
    } finally {
      doc.dispose();
    }
  });
  it("a class's facts follow the file's classes as statements come and go (the class names are kept per edit)", () => {
    const text = `import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(8)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.fc = nn.Linear(8, 8)


net = Net()
`;
    const batchNorms = (ir: unknown) => (ir as { models: { name: string; facts: { batchNorms: unknown[] } }[] }).models.find((m) => m.name === 'net')?.facts.batchNorms.length;
    const renamed = edit(text, 'class Block(', 'class Blocks(');
    assert.deepStrictEqual([batchNorms(renamed.before), batchNorms(renamed.after)], [1, 0]);
    // Net recomputed while Block stands: it still sees Block among the file's classes.
    const widened = edit(text, 'nn.Linear(8, 8)', 'nn.Linear(8, 9)');
    assert.deepStrictEqual([batchNorms(widened.before), batchNorms(widened.after)], [1, 1]);
  });
});
