/**
 * csv-parse's stream parser, emitting each record with the 1-based line where it starts.
 *
 * csv-parse's own `info.lines` cannot be used: it counts a CRLF inside a quoted field as two lines,
 * and its `info`/`on_record` options copy the whole info object per record (twice the parse time on
 * a million rows). The line is instead derived when csv-parse hands a record over (`push`, called
 * synchronously and in order): records so far + line feeds inside their fields + skipped empty lines.
 * That count is exact at any moment, so an error also knows where its record started.
 */
import { Parser } from 'csv-parse';

/** One data record of a CSV file and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts. */
  line: number;
}

/** Options of the record parser (what the reader detected or was told). */
export interface RecordParserOptions {
  delimiter: string;
  maxRecordBytes: number;
}

/** Counts line feeds in a field that is known to contain at least one. */
function countLineFeeds(text: string, first: number): number {
  let n = 0;
  for (let i = first; i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A csv-parse Parser whose readable side yields CsvRecord objects. */
export class RecordParser extends Parser {
  private records = 0;
  private embeddedLineFeeds = 0;

  constructor({ delimiter, maxRecordBytes }: RecordParserOptions) {
    super({
      delimiter,
      // Every line ending is accepted: files concatenated from CRLF and LF sources are common.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // A stray quote inside an unquoted field (`5" screen`) is kept as text, as spreadsheets do,
      // instead of failing a whole run; a quote left open at the end of the file still fails.
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: maxRecordBytes,
    });
  }

  /** The line where the next record (or the one being parsed when an error strikes) starts. */
  nextLine(): number {
    return 1 + this.records + this.embeddedLineFeeds + this.info.empty_lines;
  }

  /** Wraps each record csv-parse pushes with its starting line. */
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    const fields = chunk as string[];
    const record: CsvRecord = { fields, line: this.nextLine() };
    this.records++;
    for (let i = 0; i < fields.length; i++) {
      const first = (fields[i] as string).indexOf('\n');
      if (first !== -1) this.embeddedLineFeeds += countLineFeeds(fields[i] as string, first);
    }
    return super.push(record);
  }
}
