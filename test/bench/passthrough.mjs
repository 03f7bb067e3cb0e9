/**
 * The floor of our own CSV libraries: csv-parse's stream straight into csv-stringify's stream, file to
 * file, nothing else. oiq-batch does all of this plus its real work, so it cannot beat this figure.
 *
 *   node test/bench/passthrough.mjs INPUT OUTPUT
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: node test/bench/passthrough.mjs INPUT OUTPUT\n');
  process.exit(2);
}
await pipeline(createReadStream(input), parse({ relax_column_count: true }), stringify(), createWriteStream(output));
