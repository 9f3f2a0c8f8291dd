import { initLinter } from '../../src/lint/lint';

/** Loads the tree-sitter parser once before any unit test runs. */
export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await initLinter();
  },
};
