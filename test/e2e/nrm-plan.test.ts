/** `nrm plan` end to end: export → plan → apply through the built CLI, against the simulator (issue 4). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NRM_STATUS } from '../../src/api/schemas.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir } from './harness.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 51, inventorySize: 500 });
});
afterAll(async () => {
  await sim.close();
});

const PAUSE_RULE = 'state == "VT" or areaCode == "775" or (blockRate >= 20 and last30DaysDials >= 200)';
const ACTIVATE_RULE = 'blockRate < 5';

describe('nrm plan', () => {
  it('turns an export into an actions file that nrm apply accepts, warning about area codes left without active ANIs', async () => {
    const dir = tempDir();
    const exported = join(dir, 'anis.csv');
    expect((await runCli(['nrm', 'export', '-o', exported], { env: simEnv(sim.url) })).code).toBe(0);

    // No API key: a plan sends nothing.
    const plan = await runCli(['nrm', 'plan', exported, '--pause-when', PAUSE_RULE, '--activate-when', ACTIVATE_RULE, '--activate-date', '2026-07-01T09:00:00Z'], { env: {} });
    expect(plan.stderr).not.toMatch(/\n\s+at /);
    expect(plan.code).toBe(0);
    const inventory = sim.inventory();
    const vermont = inventory.filter((ani) => ani.areaCode === '802');
    const nevada = inventory.filter((ani) => ani.areaCode === '775');
    expect([vermont.length, nevada.length]).toEqual([1, 1]);
    expect(plan.stderr).toContain('warning: area code 775 would be left with no active ANI (pausing 1 of 1)');
    expect(plan.stderr).toContain('warning: area code 802 would be left with no active ANI (pausing 1 of 1)');
    expect(plan.stderr).not.toContain('area code 860 would be left');

    const actionsPath = join(dir, 'anis.actions.csv');
    const [header, ...actions] = parse(readFileSync(actionsPath, 'utf8')) as string[][];
    expect(header).toEqual(['ani', 'action', 'carrier', 'note', 'date']);
    const pauses = actions.filter((row) => row[1] === 'pause');
    const activations = actions.filter((row) => row[1] === 'activate');
    const expectedPauses = inventory.filter((ani) => ani.status === NRM_STATUS.active && (ani.state === 'VT' || ani.areaCode === '775' || (ani.blockRate >= 20 && ani.last30DaysDials >= 200)));
    const expectedActivations = inventory.filter((ani) => ani.status === NRM_STATUS.coolingOff && ani.blockRate < 5);
    expect(pauses.map((row) => row[0])).toEqual(expectedPauses.map((ani) => ani.phone));
    expect(activations.map((row) => row[0])).toEqual(expectedActivations.map((ani) => ani.phone));
    expect(activations.every((row) => row[4] === '20260701090000')).toBe(true);
    expect(plan.stderr).toContain(`nrm plan: 500 ANIs read, ${actions.length} actions planned (pause ${pauses.length}, remediate 0, activate ${activations.length})`);
    expect(plan.stderr).toContain(`wrote ${actions.length} actions to ${actionsPath}`);
    const before = sim.stats().nrmActions;

    const apply = await runCli(['nrm', 'apply', actionsPath], { env: simEnv(sim.url) });
    expect(apply.code).toBe(0);
    const applied = (parse(readFileSync(join(dir, 'anis.actions.applied.csv'), 'utf8')) as string[][]).slice(1);
    expect(applied.map((row) => row[7])).toEqual(actions.map(() => 'done'));
    expect(sim.stats().nrmActions - before).toBe(actions.length);
    expect(sim.inventory().find((ani) => ani.areaCode === '802')!.status).toBe(NRM_STATUS.coolingOff);
    for (const ani of expectedActivations) {
      const now = sim.inventory().find((a) => a.phone === ani.phone)!;
      expect([now.status, now.dateActivated]).toEqual([NRM_STATUS.active, '2026-07-01']);
    }
  });

  it('plans from a JSON Lines export as from a CSV one', async () => {
    const dir = tempDir();
    const jsonl = join(dir, 'anis.jsonl');
    const csv = join(dir, 'anis.csv');
    expect((await runCli(['nrm', 'export', '-o', jsonl], { env: simEnv(sim.url) })).code).toBe(0);
    expect((await runCli(['nrm', 'export', '-o', csv], { env: simEnv(sim.url) })).code).toBe(0);
    const rule = ['--remediate-when', 'blockRate >= 25', '--activate-date', '20260701090000'];
    expect((await runCli(['nrm', 'plan', jsonl, '-o', join(dir, 'a.csv'), ...rule], { env: {} })).code).toBe(0);
    expect((await runCli(['nrm', 'plan', csv, '-o', join(dir, 'b.csv'), ...rule], { env: {} })).code).toBe(0);
    const a = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(a.split('\n').length).toBeGreaterThan(2);
    expect(a).toBe(readFileSync(join(dir, 'b.csv'), 'utf8'));
  });

  it('exits 2 on a bad rule, and on a file that is not an export, naming the line', async () => {
    const dir = tempDir();
    const badRule = await runCli(['nrm', 'plan', join(dir, 'x.csv'), '--pause-when', 'blockRate >= high'], { env: {} });
    expect(badRule.code).toBe(2);
    expect(badRule.stderr).toContain('--pause-when: column');

    const notExport = join(dir, 'rows.csv');
    writeFileSync(notExport, 'id,phone,status,blockRate\n1,2125550100,ACTIVE_AND_BEING_MANAGED,3\n2,2125550101,ACTIVE_AND_BEING_MANAGED,lots\n');
    const r = await runCli(['nrm', 'plan', notExport, '--pause-when', 'blockRate >= 2'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${notExport}: line 3: column blockRate: "lots" is not a number`);
    expect(existsSync(join(dir, 'rows.actions.csv'))).toBe(false);
  });
});
