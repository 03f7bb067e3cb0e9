/**
 * Turns whatever can go wrong while reading a lead file (csv-parse, zlib, the file system) into one
 * AppError that names the file and the line. The one place that knows csv-parse's error codes.
 */
import { CsvError } from 'csv-parse';
import { AppError } from '../errors.js';

/** The OS reason of a file-system error ("ENOENT: no such file or directory"), without the path. */
function describeSystemError(err: NodeJS.ErrnoException): string {
  const message = err.message.replace(/, \w+ '.*'$/, '');
  return message.startsWith(`${err.code}:`) ? message : `${err.code ?? 'error'}: ${message}`;
}

/** True for the errors Node's zlib raises on corrupt or truncated gzip data. */
function isZlibError(err: NodeJS.ErrnoException): boolean {
  return typeof err.code === 'string' && err.code.startsWith('Z_');
}

/** Where a read failed: the file's display name, and the line where the failing record starts. */
export interface ReadPosition {
  file: string;
  line: number;
  maxRecordBytes: number;
}

/** The error for a CSV file the parser cannot make sense of. */
function mapCsvParseError(err: CsvError, { file, line, maxRecordBytes }: ReadPosition): AppError {
  const field = typeof err.column === 'number' ? err.column + 1 : undefined;
  const context = { file, line, ...(field === undefined ? {} : { column: field }) };
  const where = field === undefined ? `line ${line}` : `line ${line}, field ${field}`;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new AppError(
        'E_CSV',
        `${file}: unclosed quote in the record starting at line ${line}` +
          (field === undefined ? '' : ` (field ${field})`) +
          ': the file ends inside a quoted field',
        context,
        { cause: err },
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new AppError(
        'E_CSV',
        `${file}: the record starting at line ${line} is larger than ${maxRecordBytes} bytes: ` +
          'a line that never ends or a quote that is never closed',
        context,
        { cause: err },
      );
    default:
      return new AppError('E_CSV', `${file}: ${where}: malformed CSV (${err.message})`, context, { cause: err });
  }
}

/**
 * Maps an error raised while reading a file to an AppError: AppErrors pass through; CSV errors become
 * E_CSV at the line where the failing record starts; gzip and file-system errors become E_INPUT.
 * Anything else is a bug and is returned as is.
 */
export function toReadError(err: unknown, position: ReadPosition): unknown {
  const { file } = position;
  if (err instanceof AppError) return err;
  if (err instanceof CsvError) return mapCsvParseError(err, position);
  const sysErr = err as NodeJS.ErrnoException;
  if (sysErr instanceof Error && isZlibError(sysErr)) {
    return new AppError('E_INPUT', `${file}: not a valid gzip file (${sysErr.message})`, { file }, { cause: err });
  }
  if (sysErr instanceof Error && typeof sysErr.code === 'string' && typeof sysErr.syscall === 'string') {
    return new AppError('E_INPUT', `${file}: cannot read the file (${describeSystemError(sysErr)})`, { file }, {
      cause: err,
    });
  }
  return err;
}
