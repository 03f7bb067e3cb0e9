/** CSV reading and writing: the public surface of src/csv. */
export type { CsvFormat } from './format.js';
export type { CsvRecord } from './record-parser.js';
export type { CsvSource, CsvSourceOptions } from './reader.js';
export { DEFAULT_MAX_RECORD_BYTES, openCsvSource } from './reader.js';
export type { CsvWriter, CsvWriterOptions } from './writer.js';
export { openCsvWriter, tempPathFor } from './writer.js';
