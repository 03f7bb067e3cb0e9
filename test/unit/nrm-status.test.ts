import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { ApiError, isApiError } from '../../src/api/errors.js';
import { NRM_STATUS, type NrmAction, type NrmActionResponse } from '../../src/api/schemas.js';
import { prepareAction } from '../../src/nrm/action-row.js';
import {
  decideNrmOutcome,
  expectedStatusAfter,
  isAlreadyInTargetStateMessage,
  resolveAfterReadBack,
  type NrmOutcome,
} from '../../src/nrm/status.js';
import { SIMULATOR_KEY, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

const PAUSE_REFUSAL = 'Only active and managed ANIs can be paused';
const ACTIVATE_REFUSAL = 'Only ANIs in cooling off status can be activated';

function reply(body: NrmActionResponse, status = 200) {
  return { status, body };
}

function statusError(status: number, serverMessage?: string): ApiError {
  return new ApiError('E_API_STATUS', {
    endpoint: 'POST /nrm/pause',
    method: 'POST',
    sent: true,
    status,
    summary: `${status}`,
    ...(serverMessage === undefined ? {} : { serverMessage }),
  });
}

describe('decideNrmOutcome', () => {
  it.each<[NrmAction, NrmActionResponse, string]>([
    ['pause', { status: 'paused', ani: '8025550101' }, 'paused'],
    ['activate', { status: 'active', ani: '8025550101' }, 'active'],
    ['remediate', { status: 'received request', ani: '8025550101' }, 'received request'],
    ['remediate', { status: 'within cooldown', ani: '8025550101' }, 'within cooldown'],
    ['pause', { success: true }, 'success'],
  ])('%s %j → done "%s"', (action, body, result) => {
    expect(decideNrmOutcome(action, reply(body))).toEqual({ status: 'done', result, error: '' });
  });

  it('rejects a 200 {success: false} with its message', () => {
    expect(decideNrmOutcome('pause', reply({ success: false, message: PAUSE_REFUSAL }))).toEqual({
      status: 'rejected',
      result: '',
      error: PAUSE_REFUSAL,
    });
    expect(decideNrmOutcome('pause', reply({ success: false }))).toEqual({
      status: 'rejected',
      result: '',
      error: 'the API refused the request (no message)',
    });
  });

  it('rejects a 4xx with its message, as an answer or as the client’s ApiError', () => {
    expect(decideNrmOutcome('remediate', reply({ success: false, message: 'ANI not found in inventory' }, 404))).toEqual({
      status: 'rejected',
      result: '',
      error: 'ANI not found in inventory',
    });
    const thrown = { error: statusError(404, 'ANI not found in inventory'), description: '404 Not Found: ANI not found in inventory' };
    expect(decideNrmOutcome('remediate', thrown)).toEqual({ status: 'rejected', result: '', error: 'ANI not found in inventory' });
    const silent = { error: statusError(422), description: '422 Unprocessable Entity' };
    expect(decideNrmOutcome('pause', silent)).toEqual({ status: 'rejected', result: '', error: '422 Unprocessable Entity' });
  });

  it.each([401, 403, 408, 429, 500, 503])('leaves a final HTTP %i failed, for a rerun', (status) => {
    const description = `${status} (gave up after 3 attempts)`;
    expect(decideNrmOutcome('pause', { error: statusError(status, 'busy'), description })).toEqual({
      status: 'failed',
      result: '',
      error: description,
    });
  });

  it('leaves transport failures and unusable answers failed', () => {
    const reset = new ApiError('E_API_RESET', { endpoint: 'POST /nrm/pause', method: 'POST', sent: true, summary: 'reset' });
    expect(decideNrmOutcome('pause', { error: reset, description: 'reset (gave up after 3 attempts)' })).toEqual({
      status: 'failed',
      result: '',
      error: 'reset (gave up after 3 attempts)',
    });
    expect(decideNrmOutcome('pause', { error: new Error('boom'), description: 'unexpected error (Error)' }).status).toBe('failed');
    expect(decideNrmOutcome('pause', reply({ ani: '8025550101' }))).toEqual({
      status: 'failed',
      result: '',
      error: 'unexpected answer: neither {status, ani} nor {success: false, message}',
    });
    expect(decideNrmOutcome('pause', reply({ message: 'moved' }, 302))).toEqual({ status: 'failed', result: '', error: 'HTTP 302: moved' });
  });

  it('asks for a read-back only for a wrong-state refusal after an ambiguous retry', () => {
    const refusal = reply({ success: false, message: PAUSE_REFUSAL });
    expect(decideNrmOutcome('pause', refusal, { retriedAmbiguously: true })).toEqual({
      status: 'rejected',
      result: '',
      error: PAUSE_REFUSAL,
      readBack: true,
    });
    expect(decideNrmOutcome('pause', refusal, { retriedAmbiguously: false }).readBack).toBeUndefined();
    expect(decideNrmOutcome('activate', refusal, { retriedAmbiguously: true }).readBack).toBeUndefined();
    const notFound = reply({ success: false, message: 'ANI not found in inventory' });
    expect(decideNrmOutcome('pause', notFound, { retriedAmbiguously: true }).readBack).toBeUndefined();
  });
});

describe('target states', () => {
  it('names the status each action leads to', () => {
    expect(expectedStatusAfter('pause')).toBe(NRM_STATUS.coolingOff);
    expect(expectedStatusAfter('activate')).toBe(NRM_STATUS.active);
    expect(expectedStatusAfter('remediate')).toBeUndefined();
  });

  it('recognises the docs’ wrong-state refusals, liberally, for their own action only', () => {
    expect(isAlreadyInTargetStateMessage('pause', PAUSE_REFUSAL)).toBe(true);
    expect(isAlreadyInTargetStateMessage('pause', 'ONLY ACTIVE AND MANAGED  ANIs can be paused.')).toBe(true);
    expect(isAlreadyInTargetStateMessage('activate', ACTIVATE_REFUSAL)).toBe(true);
    expect(isAlreadyInTargetStateMessage('activate', PAUSE_REFUSAL)).toBe(false);
    expect(isAlreadyInTargetStateMessage('remediate', PAUSE_REFUSAL)).toBe(false);
    expect(isAlreadyInTargetStateMessage('pause', 'ANI not found in inventory')).toBe(false);
  });

  it('settles a read-back: done when the ANI is in the target status, else the refusal stands', () => {
    const refused: NrmOutcome = { status: 'rejected', result: '', error: ACTIVATE_REFUSAL, readBack: true };
    expect(resolveAfterReadBack('activate', 'ACTIVE_AND_BEING_MANAGED', refused)).toEqual({
      status: 'done',
      result: 'active (confirmed by read-back)',
      error: '',
    });
    expect(resolveAfterReadBack('activate', 'IN_REMEDIATION', refused)).toEqual({ status: 'rejected', result: '', error: ACTIVATE_REFUSAL });
    expect(resolveAfterReadBack('activate', undefined, refused)).toEqual({ status: 'rejected', result: '', error: ACTIVATE_REFUSAL });
  });
});

describe('against the simulator over loopback HTTP', () => {
  let sim: RunningSimulator | undefined;
  let client: ApiClient | undefined;
  afterEach(async () => {
    await client?.close();
    await sim?.close();
  });

  async function setUp(): Promise<{ sim: RunningSimulator; client: ApiClient }> {
    sim = await startSimulator({ seed: 7, inventorySize: 30 });
    client = createApiClient({ baseUrl: sim.url, apiKey: SIMULATOR_KEY, timeoutMs: 5_000, connections: 1, userAgent: 'oiq-batch-test' });
    return { sim, client };
  }

  async function readStatus(c: ApiClient, phone: string): Promise<string | undefined> {
    const page = await c.listAnis({ page: 1, pageSize: 1000, number: phone });
    return page.body.data.find((ani) => ani.phone === phone)?.status;
  }

  it('confirms by read-back a pause whose first attempt acted before the connection broke', async () => {
    const { sim, client: c } = await setUp();
    const phone = sim.inventory().find((ani) => ani.status === NRM_STATUS.active)?.phone ?? '';
    const prepared = prepareAction([phone, 'pause'], { ani: 0, action: 1 });
    if (!prepared.ok) throw new Error(prepared.error);

    sim.setFaults({ resetAfterRate: 1 });
    const first = await c.nrmAction('pause', prepared.request).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isApiError(first, 'E_API_RESET')).toBe(true);

    sim.setFaults({});
    const second = await c.nrmAction('pause', prepared.request);
    const outcome = decideNrmOutcome('pause', second, { retriedAmbiguously: true });
    expect(outcome).toEqual({ status: 'rejected', result: '', error: PAUSE_REFUSAL, readBack: true });

    expect(resolveAfterReadBack('pause', await readStatus(c, phone), outcome)).toEqual({
      status: 'done',
      result: 'paused (confirmed by read-back)',
      error: '',
    });
  });

  it('keeps the refusal when the read-back shows the ANI was never in a pausable state', async () => {
    const { sim, client: c } = await setUp();
    const phone = sim.inventory().find((ani) => ani.status === NRM_STATUS.active)?.phone ?? '';
    expect((await c.nrmAction('remediate', { ani: phone })).body.status).toBe('received request');
    const outcome = decideNrmOutcome('pause', await c.nrmAction('pause', { ani: phone }), { retriedAmbiguously: true });
    expect(outcome.readBack).toBe(true);
    expect(resolveAfterReadBack('pause', await readStatus(c, phone), outcome)).toEqual({ status: 'rejected', result: '', error: PAUSE_REFUSAL });
  });

  it('reports a second remediate "within cooldown" as done, and an unknown ANI as rejected', async () => {
    const { sim, client: c } = await setUp();
    const phone = sim.inventory()[0]?.phone ?? '';
    expect(decideNrmOutcome('remediate', await c.nrmAction('remediate', { ani: phone }))).toEqual({
      status: 'done',
      result: 'received request',
      error: '',
    });
    expect(decideNrmOutcome('remediate', await c.nrmAction('remediate', { ani: phone }))).toEqual({
      status: 'done',
      result: 'within cooldown',
      error: '',
    });
    const missing = await c.nrmAction('remediate', { ani: '5550100199' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(decideNrmOutcome('remediate', { error: missing, description: String(missing) })).toEqual({
      status: 'rejected',
      result: '',
      error: 'ANI not found in inventory',
    });
  });
});
