import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser, Query, type Tree } from 'web-tree-sitter';

/** File names of the two WASM modules; the build copies both next to every Node bundle. */
export const RUNTIME_WASM = 'web-tree-sitter.wasm';
export const PYTHON_WASM = 'tree-sitter-python.wasm';

export interface PythonParser {
  readonly parser: Parser;
  readonly language: Language;
  /** Compiles a query once per language and caches it. */
  query(source: string): Query;
}

let loading: Promise<PythonParser> | undefined;
let loaded: PythonParser | undefined;
let raw: RawCursorBinding | undefined;

/**
 * The WASM exports behind web-tree-sitter's `TreeCursor`, called directly.
 *
 * Each `TreeCursor` method copies the cursor's four handles into the binding's transfer buffer
 * (through a generic `setValue`), calls one export, and copies them back: that marshalling, not
 * the walk itself, is most of the cost of visiting every node. The exports read and write the
 * cursor in the transfer buffer, so a walk that only calls exports keeps it there between
 * calls and marshals nothing. `copyCursor` in syntaxTree.ts uses this; it falls back to the
 * `TreeCursor` API when the binding does not have the expected shape (another web-tree-sitter
 * version), so nothing depends on it for correctness.
 */
export interface RawCursorBinding {
  readonly transferBuffer: number;
  heap32(): Int32Array;
  gotoFirstChild(tree: number): number;
  gotoNextSibling(tree: number): number;
  gotoParent(tree: number): number;
  typeId(tree: number): number;
  startIndex(tree: number): number;
  endIndex(tree: number): number;
  fieldId(tree: number): number;
  /** Writes the cursor's current node into the transfer buffer (overwriting the cursor). */
  currentNode(tree: number): void;
  /** Whether the node in the transfer buffer has an error. */
  nodeHasError(tree: number): number;
}

type WasmFn = (...args: number[]) => number;

function rawBindingOf(module: Record<string, unknown>): RawCursorBinding | undefined {
  const fn = (name: string): WasmFn | undefined => {
    const f = module[name];
    return typeof f === 'function' ? (f as WasmFn) : undefined;
  };
  const names = [
    '_ts_init',
    '_ts_tree_cursor_goto_first_child_wasm',
    '_ts_tree_cursor_goto_next_sibling_wasm',
    '_ts_tree_cursor_goto_parent_wasm',
    '_ts_tree_cursor_current_node_type_id_wasm',
    '_ts_tree_cursor_start_index_wasm',
    '_ts_tree_cursor_end_index_wasm',
    '_ts_tree_cursor_current_field_id_wasm',
    '_ts_tree_cursor_current_node_wasm',
    '_ts_node_has_error_wasm',
  ];
  const fns = names.map(fn);
  if (fns.some((f) => !f) || !(module.HEAP32 instanceof Int32Array)) return undefined;
  // The exports lay the cursor out in little-endian i32s, as typed arrays on this host must.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return undefined;
  const [init, first, next, parent, typeId, start, end, field, current, hasError] = fns as WasmFn[];
  return {
    transferBuffer: init(),
    heap32: () => module.HEAP32 as Int32Array,
    gotoFirstChild: first,
    gotoNextSibling: next,
    gotoParent: parent,
    typeId,
    startIndex: start,
    endIndex: end,
    fieldId: field,
    currentNode: current,
    nodeHasError: hasError,
  };
}

/** The raw cursor exports, or undefined when they are not usable (see `RawCursorBinding`). */
export function rawCursorBinding(): RawCursorBinding | undefined {
  return raw;
}

/**
 * Finds the folder holding both WASM files: an explicit folder (the extension passes its own
 * `dist`), the folder of the running bundle, or the installed npm packages (tests, development).
 */
export function locateWasm(explicitDir?: string): { runtime: string; python: string } {
  const dirs = [explicitDir, __dirname, path.join(__dirname, '..', '..', '..', 'dist')].filter(
    (d): d is string => typeof d === 'string',
  );
  for (const dir of dirs) {
    const runtime = path.join(dir, RUNTIME_WASM);
    const python = path.join(dir, PYTHON_WASM);
    if (fs.existsSync(runtime) && fs.existsSync(python)) return { runtime, python };
  }
  try {
    return {
      runtime: require.resolve(`web-tree-sitter/${RUNTIME_WASM}`),
      python: require.resolve(`tree-sitter-python/${PYTHON_WASM}`),
    };
  } catch {
    throw new Error(
      `NormScope: cannot find ${RUNTIME_WASM} and ${PYTHON_WASM} (looked in ${dirs.join(', ')} and node_modules)`,
    );
  }
}

/** Loads tree-sitter and the Python grammar once; later calls return the same parser. */
export function initPythonParser(wasmDir?: string): Promise<PythonParser> {
  if (!loading) {
    loading = (async () => {
      const files = locateWasm(wasmDir);
      // Emscripten fills the options object with the module's exports: keep it for the raw cursor.
      const moduleOptions: Record<string, unknown> = { locateFile: () => files.runtime };
      await Parser.init(moduleOptions);
      raw = rawBindingOf(moduleOptions);
      const language = await Language.load(fs.readFileSync(files.python));
      const parser = new Parser();
      parser.setLanguage(language);
      const queries = new Map<string, Query>();
      loaded = {
        parser,
        language,
        query(source: string): Query {
          let q = queries.get(source);
          if (!q) {
            q = new Query(language, source);
            queries.set(source, q);
          }
          return q;
        },
      };
      return loaded;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** The parser, once `initPythonParser` has resolved. */
export function pythonParser(): PythonParser {
  if (!loaded) throw new Error('NormScope: the Python parser is used before initPythonParser() resolved');
  return loaded;
}

/**
 * Characters handed to tree-sitter per read. Given a string, web-tree-sitter answers each read
 * with the whole rest of the text and copies it into WASM memory up to its 5,120-unit input
 * buffer, one character at a time (in JavaScript). An incremental re-parse reads at dozens of
 * places, one per reused subtree it steps over, thousands of characters apart, and lexes a
 * token or two at each: most of what a large chunk copies there is never looked at. So a read
 * far from the previous one gets a short chunk, and a read that continues the previous one
 * (at its end, or a little before it: the lexer backs up to the start of a token that ran past
 * the chunk) gets a chunk twice as long, up to the largest. On the 10k-line bench file a
 * one-character edit's re-parse reads ~126 short chunks instead of ~36 of 4,096 characters
 * (about 1 ms less, a quarter of the re-parse); a full parse reads ~177 chunks, nearly all of
 * the largest size, as before (~165).
 */
const FIRST_READ = 64;
const LARGEST_READ = 4096;

/**
 * Parses Python text with the shared parser (incrementally when `old` is the previous tree,
 * edited with `Tree.edit`). Undefined only when tree-sitter gives no tree.
 */
export function parsePython(text: string, old?: Tree): Tree | undefined {
  let from = -LARGEST_READ - 1;
  let next = -1;
  let size = FIRST_READ;
  const read = (index: number): string => {
    size = index <= next && index >= from - LARGEST_READ ? Math.min(size * 2, LARGEST_READ) : FIRST_READ;
    from = index;
    next = index + size;
    return text.slice(index, next);
  };
  return pythonParser().parser.parse(read, old) ?? undefined;
}
