// Builds the extension, the CLI and (once present) the webview bundles into dist/, and copies
// the tree-sitter WASM files next to them. `--production` minifies; `--watch` rebuilds on change.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const version = require('./package.json').version;
const dist = path.join(__dirname, 'dist');

const WASM = [
  require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
  require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
];

/** Reports errors like `tsc` does, so editors' problem matchers pick them up. */
const problemReporter = {
  name: 'problem-reporter',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

/**
 * web-tree-sitter's ESM build locates itself with `import.meta.url`, which a CommonJS bundle
 * does not have: bundle its CommonJS build instead.
 */
const treeSitterCjs = {
  name: 'web-tree-sitter-cjs',
  setup(build) {
    const file = path.join(path.dirname(require.resolve('web-tree-sitter/web-tree-sitter.wasm')), 'web-tree-sitter.cjs');
    build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: file }));
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  define: { NORMSCOPE_VERSION: JSON.stringify(version) },
  plugins: [problemReporter, treeSitterCjs],
};

const node = { ...common, platform: 'node', format: 'cjs', target: 'node18' };

const browser = { ...common, platform: 'browser', format: 'iife', target: ['chrome114'] };

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The lint server's worker thread (src/lint/worker): parsing and linting off the extension host's thread.
  { ...node, entryPoints: ['src/lint/worker/main.ts'], outfile: 'dist/lintWorker.js' },
  // The simulator webview: the page, its Web Worker (the engine) and the standalone report page.
  { ...browser, entryPoints: ['src/webview/app/main.ts'], outfile: 'dist/webview/main.js' },
  { ...browser, entryPoints: ['src/webview/app/worker.ts'], outfile: 'dist/webview/worker.js' },
  // Inlined into one HTML file by `normscope simulate --format html`: no source map comment.
  { ...browser, entryPoints: ['src/webview/app/report.ts'], outfile: 'dist/webview/report.js', sourcemap: false },
];

/** The engine's WebAssembly kernels (AssemblyScript sources in src/engine/wasm), embedded as base64. */
function buildEngineWasm() {
  const { main } = require('./scripts/build-wasm.js');
  main();
}

const MEDIA = ['media/simulator.css'];

function copyMedia() {
  fs.mkdirSync(path.join(dist, 'webview'), { recursive: true });
  for (const file of MEDIA) fs.copyFileSync(path.join(__dirname, file), path.join(dist, 'webview', path.basename(file)));
}

function copyWasm() {
  // A production build starts from an empty dist/ so no stale development file (source maps) ships.
  if (production) fs.rmSync(dist, { recursive: true, force: true });
  fs.mkdirSync(dist, { recursive: true });
  for (const file of WASM) fs.copyFileSync(file, path.join(dist, path.basename(file)));
}

async function main() {
  buildEngineWasm();
  copyWasm();
  copyMedia();
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    console.log('[watch] build started');
    return;
  }
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
