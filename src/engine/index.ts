// NormScope's numerical engine: pure TypeScript over typed arrays, no Node or VS Code API, so it
// runs in the extension host, the CLI, mocha and the webview's Web Worker alike.
export * from './tensor';
export * from './layer';
export * from './rng';
export * from './init';
export * from './norms';
export * from './layers';
export { gemmNT } from './gemm';
