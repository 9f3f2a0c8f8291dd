import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser, Query } from 'web-tree-sitter';

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
      await Parser.init({ locateFile: () => files.runtime });
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
