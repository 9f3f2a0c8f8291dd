import type { NotebookCell } from '../../parsing/notebook/ipynb';
import type { TextChange } from '../../parsing/python/document';
import type { LintConfig } from '../../rules/config';
import type { NetworksFound } from '../../simulation/fromIR';
import type { LayerHover } from '../hover';
import type { LintResult } from '../lint';

/**
 * Messages between the editor and the lint server (src/lint/worker/server.ts), which runs in a
 * worker thread so that parsing and linting never block the extension host. The server keeps
 * one incrementally parsed document per open file: the editor forwards every edit as it happens
 * (cheap) and asks for a lint when its debounce fires. Versions are the editor's document
 * versions; when the server's copy is not at the version asked for (a lost edit, a restarted
 * worker) it answers `resync` and the editor sends the whole text.
 */
export type LintRequest =
  /** The workspace folders: imports between the workspace's files resolve against them. */
  | { readonly kind: 'workspace'; readonly roots: readonly string[] }
  /** `file`: the document's path on disk, when it has one (cross-file facts need it). */
  | { readonly kind: 'open'; readonly uri: string; readonly version: number; readonly text: string; readonly file?: string }
  | { readonly kind: 'change'; readonly uri: string; readonly version: number; readonly changes: readonly TextChange[] }
  | { readonly kind: 'close'; readonly uri: string }
  /** `length`: the text's length at `version`, a cheap check that the server's copy did not drift. */
  | { readonly kind: 'lint'; readonly id: number; readonly uri: string; readonly version: number; readonly length: number; readonly config: LintConfig; readonly text?: string }
  /** The hover on the norm layer construction at a position (0-based) of an open document. */
  | { readonly kind: 'hover'; readonly id: number; readonly uri: string; readonly version: number; readonly length: number; readonly line: number; readonly column: number; readonly text?: string }
  /**
   * The hover at a position (0-based) of the notebook cell number `cell`, read from the program
   * all the code cells form (values set in other cells resolve); `uri` names the open notebook,
   * whose program the server keeps as for `lintNotebook`.
   */
  | { readonly kind: 'hoverNotebook'; readonly id: number; readonly uri: string; readonly cells: readonly NotebookCell[]; readonly cell: number; readonly line: number; readonly column: number }
  /**
   * The models of an open document as the simulator runs them (its CodeLenses and panel);
   * `inputSize`: the image side or sequence length asked for where the code does not say it.
   */
  | { readonly kind: 'networks'; readonly id: number; readonly uri: string; readonly version: number; readonly length: number; readonly text?: string; readonly inputSize?: number }
  /** Lints a text that is not open (Lint Workspace on files on disk); nothing is kept. */
  | { readonly kind: 'lintText'; readonly id: number; readonly text: string; readonly config: LintConfig; readonly file?: string }
  /** `uri`: an open notebook, whose program the server keeps between lints (re-parsed and re-analysed incrementally) until `close`. */
  | { readonly kind: 'lintNotebook'; readonly id: number; readonly cells: readonly NotebookCell[]; readonly config: LintConfig; readonly uri?: string };

export type LintResponse =
  /** `dependencies`: the other workspace files whose model facts the lint used. */
  | { readonly kind: 'result'; readonly id: number; readonly result: LintResult; readonly elapsedMs: number; readonly dependencies?: readonly string[] }
  /** `hover.span`: in the document, or in the cell for `hoverNotebook`. */
  | { readonly kind: 'hover'; readonly id: number; readonly hover: LayerHover | undefined; readonly elapsedMs: number }
  | { readonly kind: 'networks'; readonly id: number; readonly found: NetworksFound; readonly elapsedMs: number }
  | { readonly kind: 'resync'; readonly id: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
