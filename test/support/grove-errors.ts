import { GroveError } from '../../src/bus/errors.ts';

/** The GroveError `f` throws; fails the test if it returns or throws something else. */
export function thrownBy(f: () => unknown): GroveError {
  try {
    f();
  } catch (e) {
    if (e instanceof GroveError) return e;
    throw e;
  }
  throw new Error('expected a GroveError, but nothing was thrown');
}

/** The GroveError a request fails with; fails the test if it succeeds or fails otherwise. */
export async function rejectionOf(p: Promise<unknown>): Promise<GroveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GroveError) return e;
    throw e;
  }
  throw new Error('expected the request to fail, but it succeeded');
}
