/** The thin node:http adapter: read a capped body, parse it, write JSON text with a length. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ParsedBody } from './types.js';

/** Request bodies above this are refused with 413. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Reads the whole body as UTF-8; resolves undefined as soon as it exceeds `maxBytes` (the rest is
 * ignored: the answer closes the connection). Rejects when the client goes away mid-body.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > maxBytes) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
  });
}

/** Parses a JSON body; the error says what was expected. */
export function parseJsonBody(text: string): ParsedBody {
  if (text.trim() === '') return { error: 'Request body is empty (expected a JSON object)' };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: `Request body is not valid JSON: ${(err as Error).message}` };
  }
}

/** Writes `text` with Content-Type application/json and an exact Content-Length. */
export function sendText(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.destroyed || res.headersSent) return;
  const length = Buffer.byteLength(text);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': length,
  });
  // One byte per character means ASCII: copying it as latin1 gives the same bytes as UTF-8, cheaper.
  res.end(length === text.length ? Buffer.from(text, 'latin1') : text);
}
