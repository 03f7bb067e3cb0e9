import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  SIMULATOR_KEY,
  SIMULATOR_WRONG_TYPE_KEY,
  type RunningSimulator,
} from '../../src/simulator/index.js';
import { useSimulators } from './simulators.js';

const start = useSimulators();

interface Answer {
  status: number;
  text: string;
  json: any;
}

async function call(sim: RunningSimulator, method: 'GET' | 'POST', path: string, body?: unknown, auth: string | null = `Bearer ${SIMULATOR_KEY}`): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== null) headers.authorization = auth;
  const res = await request(`${sim.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(text));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json };
}

function batch(sim: RunningSimulator, leads: unknown[]): Promise<Answer> {
  return call(sim, 'POST', '/assignment/batch', { real_time: false, leads });
}

function stateOf(sim: RunningSimulator, ani: string): string | undefined {
  return sim.inventory().find((record) => record.phone === ani)?.state;
}

describe('simulator auth', () => {
  it.each([
    ['no header', null],
    ['not a bearer token', `Basic ${SIMULATOR_KEY}`],
    ['an empty bearer', 'Bearer '],
    ['an unknown key', 'Bearer nope'],
  ])('answers 401 for %s', async (_label, auth) => {
    const sim = await start();
    for (const [method, path] of [['POST', '/assignment/batch'], ['GET', '/nrm/anis'], ['POST', '/nrm/pause'], ['GET', '/nope']] as const) {
      const answer = await call(sim, method, path, method === 'POST' ? { leads: [] } : undefined, auth);
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ success: false, message: 'Unauthorized' });
    }
    expect(sim.stats().leadsProcessed).toBe(0);
  });

  it('answers 403 for a key of the wrong type, and honours custom keys', async () => {
    const sim = await start({ keys: { valid: ['k1'], wrongType: ['k2'] } });
    const lead = { row_id: '1', prospect_phone: '2125550101' };
    expect((await call(sim, 'POST', '/assignment/batch', { leads: [lead] }, 'Bearer k2')).json).toEqual({
      success: false,
      message: 'Forbidden: key type not allowed',
    });
    expect((await call(sim, 'POST', '/assignment/batch', { leads: [lead] }, `Bearer ${SIMULATOR_KEY}`)).status).toBe(401);
    expect((await call(sim, 'POST', '/assignment/batch', { leads: [lead] }, 'bearer k1')).status).toBe(200);
    const defaults = await start();
    expect((await call(defaults, 'GET', '/nrm/anis', undefined, `Bearer ${SIMULATOR_WRONG_TYPE_KEY}`)).status).toBe(403);
  });

  it('answers unknown routes 404 and wrong methods 405, as JSON', async () => {
    const sim = await start();
    const missing = await call(sim, 'GET', '/nrm/numbers');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ success: false });
    const wrong = await call(sim, 'GET', '/assignment/batch');
    expect(wrong.status).toBe(405);
    expect(wrong.json.message).toContain('POST /assignment/batch');
    expect(sim.stats().byPath).toEqual({ other: 1, '/assignment/batch': 1 });
  });
});

describe('simulator batch assignment', () => {
  it('geo-matches by area code, by the area code state, by the zip state, or finds nothing', async () => {
    const sim = await start({ faults: { shuffleResults: false } });
    const answer = await batch(sim, [
      { row_id: 'ac', prospect_phone: '2125550101', prospect_zip: '90210' },
      { row_id: 'ac11', prospect_phone: '13105550101' },
      { row_id: 'state', prospect_phone: '6465550101' },
      { row_id: 'zip', prospect_phone: '5555550101', prospect_zip: '60601-1234' },
      { row_id: 'none', prospect_phone: '5555550102', dialer_campaign: '9001' },
      { row_id: 'badzip', prospect_phone: '5555550103', prospect_zip: 'n/a' },
      { row_id: 'intl', prospect_phone: '442071234567', prospect_zip: '98101' },
    ]);
    expect(answer.status).toBe(200);
    const rows = Object.fromEntries(answer.json.results.map((row: any) => [row.row_id, row]));
    expect(rows.ac.outboundani).toMatch(/^212\d{7}$/);
    expect(rows.ac.error).toBe('');
    expect(rows.ac11.outboundani).toMatch(/^310/);
    expect(stateOf(sim, rows.state.outboundani)).toBe('NY');
    expect(stateOf(sim, rows.zip.outboundani)).toBe('IL');
    expect(stateOf(sim, rows.intl.outboundani)).toBe('WA');
    for (const id of ['none', 'badzip']) expect(rows[id]).toEqual({ row_id: id, outboundani: '', error: 'No available ANI found' });
    expect(sim.stats()).toMatchObject({ leadsReceived: 7, leadsProcessed: 7, requests: 1, byStatus: { 200: 1 } });
  });

  it('answers invalid phones per row and never processes them', async () => {
    const sim = await start();
    const bad = ['0125550101', '1125550101', '212555', '2125550101x', '', 2125550101, null];
    const leads = bad.map((phone, i) => ({ row_id: `bad-${i}`, prospect_phone: phone }));
    leads.push({ row_id: 'good', prospect_phone: '2125550101' });
    const answer = await batch(sim, leads);
    expect(answer.status).toBe(200);
    for (const row of answer.json.results) {
      if (row.row_id === 'good') expect(row.error).toBe('');
      else expect(row).toEqual({ row_id: row.row_id, outboundani: '', error: 'Invalid prospect_phone' });
    }
    expect(sim.stats().leadsProcessed).toBe(1);
    expect(sim.stats().leadsReceived).toBe(leads.length);
  });

  it('flags leads whose optional fields have the wrong type', async () => {
    const sim = await start({ faults: { shuffleResults: false } });
    const answer = await batch(sim, [
      { row_id: 'z', prospect_phone: '2125550101', prospect_zip: 10001 },
      { row_id: 'c', prospect_phone: '2125550101', dialer_campaign: 9001 },
      { row_id: 'n', prospect_phone: '2125550101', prospect_zip: null },
    ]);
    expect(answer.json.results.map((row: any) => row.error)).toEqual(['Invalid prospect_zip', 'Invalid dialer_campaign', '']);
  });

  it('shuffles the answer rows by default: each row matches its lead by row_id', async () => {
    const sim = await start();
    const areaCodes = ['212', '310', '312', '713', '206', '617', '404', '602'];
    const leads = Array.from({ length: 40 }, (_, i) => ({
      row_id: `r${i}`,
      prospect_phone: `${areaCodes[i % areaCodes.length]}555${String(i).padStart(4, '0')}`,
    }));
    const results: any[] = (await batch(sim, leads)).json.results;
    expect(results.map((row) => row.row_id)).not.toEqual(leads.map((lead) => lead.row_id));
    expect(results.map((row) => row.row_id).sort()).toEqual(leads.map((lead) => lead.row_id).sort());
    const byId = new Map(leads.map((lead) => [lead.row_id, lead]));
    for (const row of results) expect(row.outboundani.slice(0, 3)).toBe(byId.get(row.row_id)?.prospect_phone.slice(0, 3));

    const ordered = await start({ faults: { shuffleResults: false } });
    const inOrder: any[] = (await batch(ordered, leads)).json.results;
    expect(inOrder.map((row) => row.row_id)).toEqual(leads.map((lead) => lead.row_id));
  });

  it('moves rotation counters and counts duplicates per phone', async () => {
    const sim = await start();
    const vermont = sim.inventory().find((ani) => ani.areaCode === '802');
    const lead = { row_id: 'vt', prospect_phone: '8025550101' };
    await batch(sim, [lead, { ...lead, row_id: 'vt2' }]);
    await batch(sim, [lead]);
    const after = sim.inventory().find((ani) => ani.areaCode === '802');
    expect(after?.frequencyAssigned).toBe((vermont?.frequencyAssigned ?? 0) + 3);
    expect(sim.stats().processedByPhone.get('8025550101')).toBe(3);
    expect(sim.stats().leadsProcessed).toBe(3);
  });

  it.each([
    ['not JSON', '{"leads": [', 'not valid JSON'],
    ['an empty body', '', 'empty'],
    ['an array', [], 'JSON object'],
    ['no leads', { real_time: false }, 'leads is required'],
    ['empty leads', { leads: [] }, 'leads must not be empty'],
    ['a lead that is not an object', { leads: [{ row_id: '1', prospect_phone: '2125550101' }, 'x'] }, 'leads[1] must be an object'],
    ['a lead without row_id', { leads: [{ row_id: '1', prospect_phone: '2125550101' }, { prospect_phone: '2125550101' }] }, 'leads[1].row_id'],
    ['a numeric row_id', { leads: [{ row_id: 7, prospect_phone: '2125550101' }] }, 'leads[0].row_id'],
    ['a non-boolean real_time', { real_time: 'yes', leads: [{ row_id: '1', prospect_phone: '2125550101' }] }, 'real_time'],
  ])('refuses a batch with %s as a whole (400, nothing processed)', async (_label, body, message) => {
    const sim = await start();
    const answer = await call(sim, 'POST', '/assignment/batch', body);
    expect(answer.status).toBe(400);
    expect(answer.json.success).toBe(false);
    expect(answer.json.message).toContain(message);
    expect(sim.stats().leadsProcessed).toBe(0);
  });

  it('counts the leads of refused batches as received', async () => {
    const sim = await start();
    await call(sim, 'POST', '/assignment/batch', { leads: [{ row_id: '1', prospect_phone: '2125550101' }, {}] });
    await call(sim, 'POST', '/assignment/batch', { leads: [{ row_id: '1', prospect_phone: '2125550101' }] }, null);
    expect(sim.stats()).toMatchObject({ leadsReceived: 3, leadsProcessed: 0, byStatus: { 400: 1, 401: 1 } });
  });

  it('refuses a body over 10 MB with 413', async () => {
    const sim = await start();
    const lead = { row_id: 'x'.repeat(1000), prospect_phone: '2125550101' };
    const answer = await batch(sim, Array.from({ length: 11_000 }, () => lead));
    expect(answer.status).toBe(413);
    expect(answer.json.message).toContain('too large');
    expect(sim.stats().leadsProcessed).toBe(0);
  });
});

describe('simulator single assignment', () => {
  it('assigns, reports no match with 200, and refuses an invalid phone with 400', async () => {
    const sim = await start();
    const ok = await call(sim, 'POST', '/assignment', { prospect_phone: '5559876543', prospect_zip: '90210', dialer_campaign: '9001', real_time: false });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ success: true, ani: expect.stringMatching(/^\d{10}$/), message: 'ANI assigned successfully' });
    expect(stateOf(sim, ok.json.ani)).toBe('CA');
    const none = await call(sim, 'POST', '/assignment', { prospect_phone: '5559876543' });
    expect([none.status, none.json]).toEqual([200, { success: false, message: 'No available ANI found' }]);
    const bad = await call(sim, 'POST', '/assignment', { prospect_phone: '555' });
    expect([bad.status, bad.json]).toEqual([400, { success: false, message: 'Invalid prospect_phone' }]);
    const junk = await call(sim, 'POST', '/assignment', 'nope');
    expect(junk.status).toBe(400);
    expect(sim.stats()).toMatchObject({ leadsReceived: 4, leadsProcessed: 2 });
  });
});

describe('simulator determinism', () => {
  it('gives the same answers for the same seed, and different ones for another seed', async () => {
    const leads = Array.from({ length: 30 }, (_, i) => ({ row_id: `r${i}`, prospect_phone: `${['212', '646', '555'][i % 3]}555${String(i).padStart(4, '0')}`, prospect_zip: '30301' }));
    const run = async (seed: number) => {
      const sim = await start({ seed, faults: { missingRowRate: 0.5 } });
      const texts: string[] = [];
      for (let i = 0; i < 4; i++) texts.push((await batch(sim, leads)).text);
      texts.push((await call(sim, 'GET', '/nrm/anis?page_size=50')).text);
      return texts;
    };
    const first = await run(9);
    expect(await run(9)).toEqual(first);
    expect(await run(10)).not.toEqual(first);
  });
});
