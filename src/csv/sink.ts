/**
 * Where the CSV writer's bytes go: a file written at explicit offsets (so a resumed run can truncate
 * and append), or a stream such as stdout (honouring its back-pressure).
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { AppError } from '../errors.js';

/** A byte sink the writer flushes whole chunks into, one at a time. */
export interface Sink {
  /** Resolves once the sink can take more. */
  write(bytes: Buffer): Promise<void>;
  /** Makes everything written so far durable (fsync for files). */
  sync(): Promise<void>;
  /** Releases the sink (closes the file; leaves stdout open). */
  close(): Promise<void>;
}

/** An output error: the path and the OS reason, never a bare errno. */
export function toWriteError(err: unknown, path: string): unknown {
  if (err instanceof AppError) return err;
  const sysErr = err as NodeJS.ErrnoException;
  if (!(sysErr instanceof Error) || typeof sysErr.code !== 'string') return err;
  const reason = sysErr.message.replace(/, \w+ '.*'$/, '');
  return new AppError('E_USAGE', `cannot write ${path} (${reason})`, { file: path }, { cause: err });
}

/** A file sink writing at explicit positions from `start`. */
function createFileSink(handle: FileHandle, path: string, start: number): Sink {
  let position = start;
  return {
    async write(bytes) {
      try {
        let offset = 0;
        while (offset < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position);
          offset += bytesWritten;
          position += bytesWritten;
        }
      } catch (err) {
        throw toWriteError(err, path);
      }
    },
    async sync() {
      await handle.sync().catch((err: unknown) => {
        throw toWriteError(err, path);
      });
    },
    async close() {
      await handle.close();
    },
  };
}

/** Creates (or empties) `path` and returns a sink writing from its start. */
export async function createNewFileSink(path: string): Promise<Sink> {
  const handle = await open(path, 'w').catch((err: unknown) => {
    throw toWriteError(err, path);
  });
  return createFileSink(handle, path, 0);
}

/**
 * Reopens a partial file from an interrupted run, cut back to `size` bytes (what its checkpoint says
 * was written): rows after the checkpoint are written again. E_RESUME when the file is missing or
 * shorter than the checkpoint (it cannot be the file the checkpoint describes).
 */
export async function reopenFileSink(path: string, size: number): Promise<Sink> {
  const handle = await open(path, 'r+').catch((err: unknown) => {
    const sysErr = err as NodeJS.ErrnoException;
    const reason = sysErr.code === 'ENOENT' ? 'is missing' : `cannot be opened (${sysErr.message})`;
    throw new AppError('E_RESUME', `cannot resume: the partial output ${path} ${reason}`, { file: path });
  });
  const { size: actual } = await handle.stat();
  if (actual < size) {
    await handle.close();
    throw new AppError(
      'E_RESUME',
      `cannot resume: the partial output ${path} has ${actual} bytes, the checkpoint says ${size}`,
      { file: path },
    );
  }
  await handle.truncate(size);
  return createFileSink(handle, path, size);
}

/** A sink over a writable stream: waits for 'drain' when the stream's buffer is full. */
export function createStreamSink(stream: NodeJS.WritableStream, name: string): Sink {
  const waitForDrain = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = (err?: unknown): void => {
        stream.off('drain', onDrain);
        stream.off('error', onError);
        stream.off('close', onClose);
        if (err === undefined) resolve();
        else reject(toWriteError(err, name));
      };
      const onDrain = (): void => done();
      const onError = (err: unknown): void => done(err);
      const onClose = (): void => done(new AppError('E_USAGE', `cannot write ${name} (it was closed)`, { file: name }));
      stream.on('drain', onDrain);
      stream.on('error', onError);
      stream.on('close', onClose);
    });
  const isBacklogged = (): boolean => (stream as { writableNeedDrain?: boolean }).writableNeedDrain === true;
  return {
    async write(bytes) {
      if (!stream.write(bytes)) await waitForDrain();
    },
    async sync() {
      if (isBacklogged()) await waitForDrain();
    },
    async close() {
      if (isBacklogged()) await waitForDrain();
    },
  };
}
