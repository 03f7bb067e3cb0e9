import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ANI_FIELDS, AniListResponse, NRM_STATUS } from '../../src/api/schemas.js';
import { SIMULATOR_KEY, type RunningSimulator } from '../../src/simulator/index.js';
import { useSimulators } from './simulators.js';

const start = useSimulators();

async function call(sim: RunningSimulator, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SIMULATOR_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as any };
}

function findAni(sim: RunningSimulator, status: string, skip = 0): string {
  const ani = sim.inventory().filter((record) => record.status === status)[skip];
  if (ani === undefined) throw new Error(`no ANI in status ${status}`);
  return ani.phone;
}

function statusOf(sim: RunningSimulator, phone: string): string | undefined {
  return sim.inventory().find((ani) => ani.phone === phone)?.status;
}

describe('simulator GET /nrm/anis', () => {
  it('pages through the whole inventory, every ANI exactly once, with the documented envelope', async () => {
    const sim = await start();
    const ids: number[] = [];
    let page = 1;
    for (;;) {
      const { status, json } = await call(sim, 'GET', `/nrm/anis?page=${page}&page_size=7`);
      expect(status).toBe(200);
      const list = AniListResponse.parse(json);
      expect(list).toMatchObject({ result: 'success', total_anis: 500, total_pages: 72, can_prev_page: page > 1 });
      expect(list.count).toBe(list.data.length);
      for (const record of json.data) expect(Object.keys(record)).toEqual([...ANI_FIELDS]);
      ids.push(...list.data.map((record) => Number(record.id)));
      if (!list.can_next_page) break;
      page++;
    }
    expect(page).toBe(72);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(new Set(ids)).toEqual(new Set(sim.inventory().map((ani) => ani.id)));
  });

  it('defaults to page 1 of 1000, clamps page_size to 1000, and answers an empty page past the end', async () => {
    const sim = await start({ inventorySize: 1500 });
    const first = (await call(sim, 'GET', '/nrm/anis')).json;
    expect(first).toMatchObject({ count: 1000, total_anis: 1500, total_pages: 2, can_next_page: true, can_prev_page: false });
    const clamped = (await call(sim, 'GET', '/nrm/anis?page=2&page_size=5000')).json;
    expect(clamped).toMatchObject({ count: 500, total_pages: 2, can_next_page: false, can_prev_page: true });
    const past = (await call(sim, 'GET', '/nrm/anis?page=9')).json;
    expect(past).toMatchObject({ count: 0, data: [], can_next_page: false, can_prev_page: true });
  });

  it.each(['page=0', 'page=abc', 'page_size=0', 'page_size=-5', 'page=1.5'])('refuses %s with 400', async (query) => {
    const sim = await start();
    const { status, json } = await call(sim, 'GET', `/nrm/anis?${query}`);
    expect(status).toBe(400);
    expect(json.success).toBe(false);
    expect(json.message).toMatch(/page(_size)? must be a positive integer/);
  });

  it('filters by phone prefix, ignoring non-digits', async () => {
    const sim = await start();
    const expected = sim.inventory().filter((ani) => ani.phone.startsWith('212')).map((ani) => ani.phone);
    expect(expected.length).toBeGreaterThan(5);
    const { json } = await call(sim, 'GET', `/nrm/anis?number=${encodeURIComponent('(212)')}`);
    expect(json.total_anis).toBe(expected.length);
    expect(json.data.map((ani: { phone: string }) => ani.phone)).toEqual(expected);
    const full = expected[0] ?? '';
    const one = (await call(sim, 'GET', `/nrm/anis?number=${encodeURIComponent(`(${full.slice(0, 3)}) ${full.slice(3, 6)}-${full.slice(6)}`)}`)).json;
    expect(one.data.map((ani: { phone: string }) => ani.phone)).toEqual([full]);
    expect((await call(sim, 'GET', '/nrm/anis?number=999')).json).toMatchObject({ total_anis: 0, total_pages: 0, data: [] });
  });
});

describe('simulator NRM actions', () => {
  it('pauses only active ANIs, activates only cooling-off ones (date required)', async () => {
    const sim = await start();
    const ani = findAni(sim, NRM_STATUS.active);
    expect(await call(sim, 'POST', '/nrm/pause', { ani, carrier: '130077', note: 'spam tag' })).toEqual({
      status: 200,
      json: { status: 'paused', ani },
    });
    expect(statusOf(sim, ani)).toBe(NRM_STATUS.coolingOff);
    expect(await call(sim, 'POST', '/nrm/pause', { ani })).toEqual({
      status: 200,
      json: { success: false, message: 'Only active and managed ANIs can be paused' },
    });
    for (const date of [undefined, '2025-01-26', '202501261200']) {
      expect(await call(sim, 'POST', '/nrm/activate', { ani, date })).toEqual({
        status: 400,
        json: { success: false, message: 'date is required (YYYYMMDDHHmmss)' },
      });
    }
    expect(await call(sim, 'POST', '/nrm/activate', { ani, carrier: '130077', date: '20250126120000' })).toEqual({
      status: 200,
      json: { status: 'active', ani },
    });
    const record = sim.inventory().find((r) => r.phone === ani);
    expect(record).toMatchObject({ status: NRM_STATUS.active, statusLabel: 'Active and Being Managed', dateActivated: '2025-01-26', dateDeactivated: null });
    expect(await call(sim, 'POST', '/nrm/activate', { ani, date: '20250126120000' })).toEqual({
      status: 200,
      json: { success: false, message: 'Only ANIs in cooling off status can be activated' },
    });
    const inactive = findAni(sim, 'INACTIVE');
    expect((await call(sim, 'POST', '/nrm/pause', { ani: inactive })).json.success).toBe(false);
    expect(sim.stats().nrmActions).toBe(5);
  });

  it('takes remediation requests once, then answers within cooldown', async () => {
    const sim = await start();
    const ani = findAni(sim, NRM_STATUS.coolingOff);
    expect((await call(sim, 'POST', '/nrm/remediate', { ani, carrier: '130077', note: 'Spam tag identified' })).json).toEqual({
      status: 'received request',
      ani,
    });
    expect(statusOf(sim, ani)).toBe(NRM_STATUS.remediation);
    expect((await call(sim, 'POST', '/nrm/remediate', { ani })).json).toEqual({ status: 'within cooldown', ani });
    expect(sim.stats().nrmActions).toBe(2);
  });

  it('answers 404 for an unknown ANI and 400 for a malformed request', async () => {
    const sim = await start();
    const ani = findAni(sim, NRM_STATUS.active);
    for (const action of ['pause', 'activate', 'remediate']) {
      expect(await call(sim, 'POST', `/nrm/${action}`, { ani: '9995550100', date: '20250126120000' })).toEqual({
        status: 404,
        json: { success: false, message: 'ANI not found in inventory' },
      });
    }
    const bad: Array<[unknown, RegExp]> = [
      [{ ani, carrier: '13007' }, /carrier must be a 6-digit/],
      [{ ani, carrier: 130077 }, /carrier must be a 6-digit/],
      [{}, /ani is required/],
      [{ ani: '123' }, /ani is required/],
      [{ ani, note: 5 }, /note must be a string/],
      [{ ani, date: 'tomorrow' }, /date must be YYYYMMDDHHmmss/],
      ['not an object', /JSON object/],
    ];
    for (const [body, message] of bad) {
      const { status, json } = await call(sim, 'POST', '/nrm/pause', body);
      expect(status).toBe(400);
      expect(json.message).toMatch(message);
    }
    expect(statusOf(sim, ani)).toBe(NRM_STATUS.active);
    expect(sim.stats().nrmActions).toBe(0);
  });

  it('accepts a formatted ANI or one with the country code', async () => {
    const sim = await start();
    const ani = findAni(sim, NRM_STATUS.active);
    const formatted = `+1 (${ani.slice(0, 3)}) ${ani.slice(3, 6)}-${ani.slice(6)}`;
    expect((await call(sim, 'POST', '/nrm/pause', { ani: formatted })).json).toEqual({ status: 'paused', ani });
  });

  it('lets a pause plan empty an area code: its leads fall back to the state, then to nothing', async () => {
    const sim = await start({ faults: { shuffleResults: false } });
    const anisIn = (areaCode: string) => sim.inventory().filter((ani) => ani.areaCode === areaCode).map((ani) => ani.phone);
    for (const ani of [...anisIn('802'), ...anisIn('775')]) {
      expect((await call(sim, 'POST', '/nrm/pause', { ani })).json.status).toBe('paused');
    }
    const { json } = await call(sim, 'POST', '/assignment/batch', {
      leads: [
        { row_id: 'vt', prospect_phone: '8025550101' },
        { row_id: 'vt-zip', prospect_phone: '8025550102', prospect_zip: '10001' },
        { row_id: 'reno', prospect_phone: '7755550103' },
      ],
    });
    const [vt, vtZip, reno] = json.results;
    expect(vt).toEqual({ row_id: 'vt', outboundani: '', error: 'No available ANI found' });
    expect(vtZip.outboundani).toMatch(/^(212|718|518)/);
    expect(reno.outboundani).toMatch(/^702/);
  });
});
