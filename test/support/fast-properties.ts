// V8's own test of whether an object is in fast mode (not a dictionary), for
// unit tests of what caches keep: a dictionary-mode object costs a hash table
// of its own for as long as it is cached.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a V8 intrinsic is only parsed in code compiled after the flag is set
export const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
