// Engine rows: the memory-bandwidth reference `copy/8MiB`.
import { COPY_ROW, type Bench } from './harness';

const COPY_FLOATS = (8 * 1024 * 1024) / 4;

function copyBench(): Bench {
  let src = new Float32Array(0);
  let dst = new Float32Array(0);
  return {
    name: COPY_ROW,
    bytes: 2 * 8 * 1024 * 1024,
    setup: () => {
      src = new Float32Array(COPY_FLOATS);
      for (let i = 0; i < src.length; i++) src[i] = i & 1023;
      dst = new Float32Array(COPY_FLOATS);
    },
    fn: () => dst.set(src),
  };
}

export const benches: Bench[] = [copyBench()];
