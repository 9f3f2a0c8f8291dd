import * as assert from 'assert';
import { lintPython, lintSyntaxTree } from '../../../src/lint/lint';
import { PythonDocument } from '../../../src/parsing/python/document';
import type { Finding } from '../../../src/rules/types';

/**
 * Rules that keep their findings per class (NRM501, NRM505: `PerClassReports`) and the instance
 * flows kept per holding class (NRM402, NRM403) must say after each edit of an open document what
 * a fresh lint of the same text says: lines cited in messages follow a class that moved, and a
 * class handed on unchanged gets findings that reflect the classes it instantiates.
 */
const TEXT = `import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = norm_layer(c)

    def forward(self, x):
        return self.bn1(self.conv1(x))


class Net(nn.Module):
    def __init__(self, norm_layer=nn.GroupNorm):
        super().__init__()
        self.blocks = nn.Sequential(Block(64, norm_layer=norm_layer), Block(64), Block(64, norm_layer=norm_layer))
        self.bn_a = nn.BatchNorm2d(64, eps=1e-5)
        self.bn_b = nn.BatchNorm2d(64, eps=1e-5)
        self.bn_c = nn.BatchNorm2d(64, eps=1e-3)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        x = self.bn(self.blocks(x))
        x = self.bn_c(self.bn_b(self.bn_a(x)))
        return self.bn(x)


class Stem(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        return self.bn(self.conv(x))


class Top(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Stem(width=32)
`;

const shown = (findings: readonly Finding[]) => findings.map((f) => `${f.code} ${f.span.start.line + 1}:${f.span.start.column + 1} ${f.message} | ${f.related.map((r) => `${r.span.start.line + 1}: ${r.message}`).join('; ')}`);

describe('findings kept per class follow the edits of an open document', () => {
  it('equal a fresh lint after each edit (a class moved down, a block class changed, an instance changed)', () => {
    const doc = new PythonDocument(TEXT);
    let text = TEXT;
    const first = doc.syntaxTree ? lintSyntaxTree(doc.syntaxTree) : undefined;
    assert.ok(first);
    const codes = first.findings.map((f) => f.code);
    for (const code of ['NRM501', 'NRM505', 'NRM402']) assert.ok(codes.includes(code), `${code} in ${codes.join(' ')}`);
    const netBefore = doc.analyse().model.classes.find((c) => c.name === 'Net');
    const edits: [string, string][] = [
      // Two lines above everything: every class moves down, none is re-analysed.
      ['import torch.nn as nn\n', 'import torch.nn as nn\n\n\n'],
      // The block class drops its norm parameter: the siblings' finding goes.
      ['def __init__(self, c, norm_layer=nn.BatchNorm2d):', 'def __init__(self, c):'],
      ['self.bn1 = norm_layer(c)', 'self.bn1 = nn.BatchNorm2d(c)'],
      // The stem is built with the width its BatchNorm keeps: the instance finding goes, then comes back.
      ['Stem(width=32)', 'Stem(width=64)'],
      ['Stem(width=64)', 'Stem(width=48)'],
    ];
    edits.forEach(([from, to], i) => {
      const at = text.indexOf(from);
      assert.ok(at >= 0, from);
      doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      text = text.slice(0, at) + to + text.slice(at + from.length);
      const tree = doc.syntaxTree;
      assert.ok(tree);
      const incremental = lintSyntaxTree(tree);
      assert.deepStrictEqual(shown(incremental.findings), shown(lintPython(text).findings), `after edit ${i}`);
      if (i === 0) {
        // The class was handed on (the cached findings were used), and its lines moved by two.
        assert.strictEqual(doc.analyse().model.classes.find((c) => c.name === 'Net'), netBefore);
        const reused = incremental.findings.find((f) => f.code === 'NRM505');
        assert.ok(reused?.message.includes('on line 26'), reused?.message);
      }
    });
    const last = shown(lintPython(text).findings).join('\n');
    assert.ok(!last.includes('built without `norm_layer`'), last);
    assert.ok(last.includes('produces 48'), last);
    doc.dispose();
  });
});
