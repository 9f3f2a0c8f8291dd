import * as assert from 'assert';
import { lintPython, lintSyntaxTree } from '../../../src/lint/lint';
import { PythonDocument } from '../../../src/parsing/python/document';
import { RULES } from '../../../src/rules/catalogue';

// Random edits of a file made of every rule's documented example (each one a finding), in an open
// document: after every edit, linting the document gives the findings of a fresh lint of the same
// text. The rules keep findings per unchanged class, call and instance (their objects outlive an
// analysis, their spans moved in place): a kept finding must still cite the current lines and
// offsets, and a change elsewhere must not leave a stale one. The edits keep the text valid
// Python (blank lines, digits changed, comment lines), so every edit is linted for real.

/** Findings the rules' examples leave out: instances sized by their arguments, a helper bound in two classes. */
const EXTRA = `import torch.nn as nn


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, bias=True), nn.BatchNorm2d(cout + 1))


class Stem(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.bn = nn.BatchNorm2d(16)

    def forward(self, x):
        return self.bn(self.conv(x))


class TwoHelpers(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = conv_bn(3, 8)
        self.stem = Stem(width=32)

    def forward(self, x):
        return self.stem(self.a(x))


class SameHelper(nn.Module):
    def __init__(self):
        super().__init__()
        self.b = conv_bn(3, 8)
        self.gn = nn.GroupNorm(3, 8)

    def forward(self, x):
        return self.gn(self.b(x))


class Mlp(nn.Module):
    def __init__(self, dim, hidden=512):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.norm = nn.LayerNorm(dim)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.norm(self.fc1(x)))


class Wide(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = Mlp(256, hidden=2048)

    def forward(self, x):
        return self.mlp(x)
`;

const TEXT = [...RULES.map((r) => r.meta.docs.example).filter((e): e is string => !!e), EXTRA].join('\n\n\n');

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** A valid-Python edit of `text`: a blank line or a comment line before a line, or a digit changed. */
function edit(text: string, rnd: () => number): { startOffset: number; oldEndOffset: number; newText: string } {
  const kind = rnd();
  if (kind < 0.5) {
    const digits: number[] = [];
    for (let i = 0; i < text.length; i++) if (text[i] >= '1' && text[i] <= '9' && !/\w/.test(text[i - 1] ?? '')) digits.push(i);
    const at = digits[Math.floor(rnd() * digits.length)] ?? 0;
    return { startOffset: at, oldEndOffset: at + 1, newText: String(1 + Math.floor(rnd() * 9)) };
  }
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const at = starts[Math.floor(rnd() * starts.length)] ?? 0;
  return { startOffset: at, oldEndOffset: at, newText: kind < 0.8 ? '\n' : '# note\n' };
}

function soak(seed: number, edits: number): void {
  const rnd = random(seed);
  let text = TEXT;
  const doc = new PythonDocument(text);
  try {
    for (let k = 0; k < edits; k++) {
      const change = edit(text, rnd);
      text = text.slice(0, change.startOffset) + change.newText + text.slice(change.oldEndOffset);
      doc.applyChanges([change]);
      const tree = doc.syntaxTree;
      assert.ok(tree, 'the document has a tree');
      const kept = JSON.stringify(lintSyntaxTree(tree));
      const fresh = JSON.stringify(lintPython(text));
      if (kept !== fresh) {
        let i = 0;
        while (kept[i] === fresh[i]) i++;
        assert.fail(`seed ${seed}, edit ${k} (${JSON.stringify(change)}):\n  open document …${kept.slice(Math.max(0, i - 160), i + 80)}\n  fresh         …${fresh.slice(Math.max(0, i - 160), i + 80)}`);
      }
    }
  } finally {
    doc.dispose();
  }
}

describe('lint of an open document under edits', function () {
  // Two lints per edit (the document's and a fresh one): seconds per seed, more on a loaded machine.
  this.timeout(120000);

  it('the soak text has findings of most rules, so that the soak is not blind', () => {
    const codes = new Set(lintPython(TEXT).findings.map((f) => f.code));
    for (const code of ['NRM301', 'NRM401', 'NRM402', 'NRM403', 'NRM501', 'NRM502', 'NRM503', 'NRM504', 'NRM505', 'NRM506']) assert.ok(codes.has(code), `no ${code} finding in the soak text`);
    // The helper bound in two classes gives one NRM402 finding, not one per class.
    const helper = lintPython(TEXT).findings.filter((f) => f.code === 'NRM402' && TEXT.slice(f.span.startOffset, f.span.endOffset) === 'cout + 1');
    assert.strictEqual(helper.length, 1);
  });

  for (const seed of [1, 2, 3]) {
    it(`random edits give the findings of a fresh lint (seed ${seed})`, () => soak(seed, 60));
  }
});
