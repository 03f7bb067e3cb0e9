/**
 * The reference peer: what a competent engineer writes in an afternoon. Reads the whole file with
 * csv-parse/sync, cleans phones and zips, sends every batch at once through p-limit (Promise.all) with
 * undici, retries 429/5xx with p-retry, and stringifies the whole result at the end.
 *
 *   OUTBOUNDIQ_BASE_URL=… OUTBOUNDIQ_API_KEY=… node test/bench/afternoon.mjs INPUT OUTPUT BATCH CONCURRENCY
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { request } from 'undici';

const [input, output, batchArg = '100', concurrencyArg = '4'] = process.argv.slice(2);
const baseUrl = process.env.OUTBOUNDIQ_BASE_URL;
const apiKey = process.env.OUTBOUNDIQ_API_KEY;
if (!input || !output || !baseUrl || !apiKey) {
  process.stderr.write('usage: OUTBOUNDIQ_BASE_URL=… OUTBOUNDIQ_API_KEY=… node test/bench/afternoon.mjs INPUT OUTPUT [BATCH] [CONCURRENCY]\n');
  process.exit(2);
}

const records = parse(readFileSync(input), { bom: true, relax_column_count: true, skip_empty_lines: true });
const header = records.shift();
const find = (...names) => header.findIndex((h) => names.includes(h.toLowerCase().replace(/[\s_-]/g, '')));
const phoneCol = find('prospectphone', 'phone', 'phonenumber', 'mobile', 'cell');
const zipCol = find('prospectzip', 'zip', 'zipcode', 'postalcode');
const campaignCol = find('dialercampaign', 'campaign');

const results = records.map(() => ({ outboundani: '', error: '', status: '' }));
const leads = [];
records.forEach((row, i) => {
  let phone = (row[phoneCol] ?? '').replace(/\D/g, '');
  if (phone.length === 11 && phone.startsWith('1')) phone = phone.slice(1);
  if (phone.length < 10 || phone.length > 15) {
    results[i] = { outboundani: '', error: 'invalid phone', status: 'invalid' };
    return;
  }
  const lead = { row_id: String(i), prospect_phone: phone };
  const zip = zipCol === -1 ? '' : (row[zipCol] ?? '').trim().slice(0, 5);
  if (/^\d{5}$/.test(zip)) lead.prospect_zip = zip;
  const campaign = campaignCol === -1 ? '' : (row[campaignCol] ?? '').trim();
  if (campaign) lead.dialer_campaign = campaign;
  leads.push(lead);
});

const batches = [];
for (let i = 0; i < leads.length; i += Number(batchArg)) batches.push(leads.slice(i, i + Number(batchArg)));

const limit = pLimit(Number(concurrencyArg));
const send = async (batch) => {
  const res = await request(`${baseUrl}/assignment/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ leads: batch }),
  });
  const body = await res.body.json();
  if (res.statusCode === 429 || res.statusCode >= 500) throw new Error(`HTTP ${res.statusCode}`);
  if (res.statusCode !== 200) throw new AbortError(`HTTP ${res.statusCode}: ${body.message}`);
  return body;
};
await Promise.all(
  batches.map((batch) =>
    limit(async () => {
      try {
        const body = await pRetry(() => send(batch), { retries: 4 });
        for (const r of body.results) {
          results[Number(r.row_id)] = r.error ? { outboundani: '', error: r.error, status: 'rejected' } : { outboundani: r.outboundani, error: '', status: 'assigned' };
        }
      } catch (err) {
        for (const lead of batch) results[Number(lead.row_id)] = { outboundani: '', error: err.message, status: 'failed' };
      }
    }),
  ),
);

const out = records.map((row, i) => [...row, results[i].outboundani, results[i].error, results[i].status]);
writeFileSync(output, stringify([[...header, 'outboundani', 'error', 'status'], ...out]));
