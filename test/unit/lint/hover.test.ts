import * as assert from 'assert';
import type { LayerCall } from '../../../src/ir/model';
import { normLayerIn, renderLayerHover } from '../../../src/lint/hover';
import { analysePython } from '../../../src/lint/lint';

/** What the lint server answers a hover with (src/lint/worker/server.ts), for a whole text. */
function normLayerAt(text: string, line: number, column: number): LayerCall | undefined {
  return normLayerIn(analysePython(text).model.layerCalls, line, column);
}

describe('hover on a norm layer construction', () => {
  const text = [
    'import argparse',
    'import torch.nn as nn',
    'GROUPS = 32',
    'parser = argparse.ArgumentParser()',
    "parser.add_argument('--momentum', type=float, default=0.05)",
    'args = parser.parse_args()',
    'norm = nn.GroupNorm(GROUPS, 256, eps=1e-6)',
    'bn = nn.BatchNorm2d(64, momentum=args.momentum)',
    'conv = nn.Conv2d(3, 64, 3)',
  ].join('\n');

  it('finds the innermost norm layer call under the cursor, and nothing elsewhere', () => {
    assert.strictEqual(normLayerAt(text, 6, 12)?.kind, 'GroupNorm');
    assert.strictEqual(normLayerAt(text, 7, 30)?.kind, 'BatchNorm2d');
    assert.strictEqual(normLayerAt(text, 8, 10), undefined, 'a conv is not a norm layer');
    assert.strictEqual(normLayerAt(text, 0, 3), undefined);
  });

  it('shows kind, framework, each argument with its provenance, and the defaults', () => {
    const md = renderLayerHover(normLayerAt(text, 6, 12)!);
    assert.match(md, /^\*\*GroupNorm\*\* \(torch\) — group normalization/);
    assert.match(md, /\| `num_groups` \| `32` \| [^|]*line 3[^|]* \|/);
    assert.match(md, /\| `num_channels` \| `256` \| literal, line 7 \|/);
    assert.match(md, /\| `eps` \| `0.000001` \| literal, line 7 \|/);
    assert.match(md, /\| `affine` \| `True` \| framework default \|/);
    const bn = renderLayerHover(normLayerAt(text, 7, 30)!);
    assert.match(bn, /\| `momentum` \| `0\.05` \| [^|]*--momentum[^|]*caller may override\) \|/);
  });
});
