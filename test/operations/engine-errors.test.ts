import { describe, expect, it } from 'vitest';
import { isEngineUnavailable, mayHaveReachedServer } from '../../operations/temporal-operations.js';

/** What grpc-js throws: an Error with a numeric code, details and metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('engine errors: which failures mean the engine is not there, and which may have left a run behind', () => {
  const deadline = 10_000;

  it('DEADLINE_EXCEEDED, UNAVAILABLE and CANCELLED mean the engine is unavailable; a refusal does not', () => {
    expect(isEngineUnavailable(grpcError(4, 'Deadline exceeded'))).toBe(true);
    expect(isEngineUnavailable(grpcError(14, 'No connection established'))).toBe(true);
    expect(isEngineUnavailable(grpcError(1, 'Call cancelled'))).toBe(true);
    expect(isEngineUnavailable(grpcError(3, 'invalid argument'))).toBe(false);
    expect(isEngineUnavailable(new Error('wrapped', { cause: grpcError(14, 'down') }))).toBe(true);
  });

  it('a call cancelled at its deadline may have started the run (the CI failure of 2026-11-28)', () => {
    expect(mayHaveReachedServer(grpcError(1, 'Call cancelled'), deadline, deadline + 3)).toBe(true);
    expect(mayHaveReachedServer(grpcError(1, 'Call cancelled'), deadline, deadline - 3)).toBe(true);
    expect(mayHaveReachedServer(grpcError(4, 'Deadline exceeded'), deadline, deadline - 1)).toBe(true);
  });

  it('a refused connection before the deadline never reached the server: nothing to cancel', () => {
    expect(mayHaveReachedServer(grpcError(14, 'connect ECONNREFUSED'), deadline, deadline - 500)).toBe(false);
    expect(mayHaveReachedServer(grpcError(14, 'connect ECONNREFUSED'), deadline, deadline)).toBe(true);
  });
});
