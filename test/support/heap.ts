// The JS heap in use after full collections, for unit tests that show a
// memory saving by measuring it (the objects measured must be used after the
// second reading, or V8 may collect them before it).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
