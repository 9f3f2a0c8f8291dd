// ESLint for NormScope's own code. The core layers must never import `vscode`: they run in
// mocha, in the CLI and in the webview's worker, where no `vscode` module exists.
const tseslint = require('typescript-eslint');

const CORE = ['src/parsing/**', 'src/ir/**', 'src/rules/**', 'src/engine/**', 'src/cli/**', 'src/lint/**', 'src/simulation/**', 'src/webview/app/**', 'src/webview/protocol.ts'];

module.exports = tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'docs/**', 'media/**', 'test/fixtures/**', 'examples/**', '**/*.d.ts', 'src/**/*.as.ts'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  {
    files: CORE,
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The core (parsing, ir, rules, engine, cli, lint, simulation, webview app) must not import vscode.' }] }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']", message: 'The core must not require vscode.' }],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
