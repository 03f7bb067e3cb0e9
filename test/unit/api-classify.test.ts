import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailureClass } from '../../src/api/classify.js';
import { ApiError, type ApiErrorCode, type ApiErrorDetails } from '../../src/api/errors.js';
import { AppError } from '../../src/errors.js';

function apiError(code: ApiErrorCode, extra: Partial<ApiErrorDetails> = {}): ApiError {
  const method = extra.method ?? 'POST';
  return new ApiError(code, { endpoint: `${method} /x`, method, sent: code !== 'E_API_CONNECT', summary: extra.summary ?? code, ...extra });
}

function status(n: number, extra: Partial<ApiErrorDetails> = {}): ApiError {
  return apiError('E_API_STATUS', { status: n, summary: `${n} phrase`, ...extra });
}

describe('classifyFailure', () => {
  const table: [string, ApiError, FailureClass['kind']][] = [
    ['429', status(429), 'retry'],
    ['503', status(503), 'retry'],
    ['500', status(500), 'ambiguous'],
    ['502', status(502), 'ambiguous'],
    ['504', status(504), 'ambiguous'],
    ['401', status(401), 'auth'],
    ['403', status(403), 'auth'],
    ['413', status(413), 'too-large'],
    ['400', status(400), 'bad-request'],
    ['422', status(422), 'bad-request'],
    ['404', status(404), 'permanent'],
    ['409', status(409), 'permanent'],
    ['302 (no redirects are followed)', status(302), 'permanent'],
    ['connect failure (not sent)', apiError('E_API_CONNECT'), 'retry'],
    ['timeout after sending', apiError('E_API_TIMEOUT'), 'ambiguous'],
    ['reset after sending', apiError('E_API_RESET'), 'ambiguous'],
    ['malformed 2xx body', apiError('E_API_BODY', { status: 200 }), 'ambiguous'],
    ['500 on a GET', status(500, { method: 'GET' }), 'retry'],
    ['timeout on a GET', apiError('E_API_TIMEOUT', { method: 'GET' }), 'retry'],
    ['reset on a GET', apiError('E_API_RESET', { method: 'GET' }), 'retry'],
    ['malformed body on a GET', apiError('E_API_BODY', { method: 'GET' }), 'retry'],
    ['401 on a GET', status(401, { method: 'GET' }), 'auth'],
  ];
  for (const [name, err, kind] of table) {
    it(`${name} → ${kind}`, () => {
      expect(classifyFailure(err)).toEqual({ kind, reason: err.summary });
    });
  }

  it('passes Retry-After on with 429 and 503', () => {
    expect(classifyFailure(status(429, { retryAfterMs: 7000 }))).toEqual({ kind: 'retry', reason: '429 phrase', retryAfterMs: 7000 });
    expect(classifyFailure(status(503, { retryAfterMs: 1000 }))).toEqual({ kind: 'retry', reason: '503 phrase', retryAfterMs: 1000 });
  });

  it('treats anything that is not an ApiError as permanent', () => {
    expect(classifyFailure(new TypeError('x is undefined'))).toEqual({ kind: 'permanent', reason: 'unexpected error (TypeError)' });
    expect(classifyFailure(new AppError('E_INTERNAL', 'bug'))).toEqual({ kind: 'permanent', reason: 'unexpected error (AppError)' });
    expect(classifyFailure('a string')).toEqual({ kind: 'permanent', reason: 'unexpected error' });
    expect(classifyFailure(undefined)).toEqual({ kind: 'permanent', reason: 'unexpected error' });
  });
});
