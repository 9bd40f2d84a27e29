import { ConfigError } from '../../src/config/config.js';

/** The ConfigError `fn` throws; anything else (or nothing) fails the test. */
export function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
