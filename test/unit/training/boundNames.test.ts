import * as assert from 'assert';
import { boundNames } from '../../../src/parsing/python/training/boundNames';
import { parseSyntaxTree, type SyntaxNode } from '../../../src/parsing/python/syntaxTree';

function root(text: string): SyntaxNode {
  const tree = parseSyntaxTree(text);
  assert.ok(tree);
  return tree.rootNode;
}

function moduleNames(text: string): { names: string[]; starImport: boolean } {
  const b = boundNames(root(text));
  return { names: [...b.names].sort(), starImport: b.starImport };
}

function functionNames(text: string): string[] {
  const def = root(text).namedChildren.find((n) => n.type === 'function_definition');
  const body = def?.childForFieldName('body');
  assert.ok(body);
  return [...boundNames(body).names].sort();
}

describe('boundNames: the names a scope binds itself', () => {
  it('module level: assignments (tuples, starred), loops, with/except aliases, imports, definitions; not what function and class bodies or comprehensions bind', () => {
    const text = [
      'import os, torch.nn as nn, torch.utils.data',
      'from models import Net, ResNet as R',
      'from .pkg import (a, b)',
      'x = y = 1',
      'p, (q, *r) = f()',
      'n += 1',
      'if cond:',
      '    for i, (j, k) in enumerate(z):',
      '        with open(f) as fh, g() as (u, v):',
      '            pass',
      'try:',
      '    pass',
      'except ValueError as err:',
      '    pass',
      'if (w := 3):',
      '    pass',
      'def train(model):',
      '    inner = 1',
      'class Model:',
      '    attr = 2',
      'squares = [t * t for t in range(3)]',
      'obj.field = 1',
      'items[0] = 2',
    ].join('\n');
    assert.deepStrictEqual(moduleNames(text), {
      names: ['Model', 'Net', 'R', 'a', 'b', 'err', 'fh', 'i', 'j', 'k', 'n', 'nn', 'os', 'p', 'q', 'r', 'squares', 'torch', 'train', 'u', 'v', 'w', 'x', 'y'],
      starImport: false,
    });
  });

  it('a star import may bind any name', () => {
    assert.strictEqual(moduleNames('from models import *\nmodel = Net()\n').starImport, true);
    assert.strictEqual(moduleNames('import models\n').starImport, false);
  });

  it("in a function: its body's names, not those declared global or nonlocal, nor a nested function's", () => {
    const text = 'def f(a):\n    global model\n    model = Net()\n    b = 1\n    def g():\n        c = 2\n    for d in a:\n        pass\n';
    assert.deepStrictEqual(functionNames(text), ['b', 'd', 'g']);
  });
});
