import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';

/** The IR as plain data (what rules and snapshots see). */
export function plainIR(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * For each (from, to) replacement of `text`: an open document of `text`, analysed, then edited,
 * gives the same IR as a fresh analysis of the edited text.
 */
export function assertEditsMatchFresh(text: string, edits: readonly (readonly [string, string])[]): void {
  for (const [from, to] of edits) {
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      const at = text.indexOf(from);
      assert.ok(at >= 0, from);
      const next = text.slice(0, at) + to + text.slice(at + from.length);
      assert.deepStrictEqual(plainIR(doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }])), plainIR(analysePythonFile(next)), `${from} -> ${to}`);
    } finally {
      doc.dispose();
    }
  }
}

/**
 * One open document of `text`, analysed, then edited by each (from, to) replacement in turn (each
 * on the text the previous ones left): after every edit its IR is a fresh analysis's of the
 * edited text. What it keeps between analyses has to follow a whole sequence of edits.
 */
export function assertEditSequenceMatchesFresh(text: string, steps: readonly (readonly [string, string])[]): void {
  const doc = new PythonDocument(text);
  try {
    doc.analyse();
    for (const [from, to] of steps) {
      const at = doc.text.indexOf(from);
      assert.ok(at >= 0, from);
      const ir = doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      assert.deepStrictEqual(plainIR(ir), plainIR(analysePythonFile(doc.text)), `${from} -> ${to}`);
    }
  } finally {
    doc.dispose();
  }
}
