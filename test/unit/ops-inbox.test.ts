import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  ALIVE_FILE,
  InboxOwner,
  isOwnerDead,
  isPidAlive,
  isTemporaryName,
  LEASE_MS,
  listInbox,
  moveWithoutReplacing,
  selectSettled,
  type LivenessContext,
  type OwnerRecord,
} from '../../src/ops/inbox.js';

const logger = pino({ level: 'silent' });
const tmp = () => mkdtempSync(join(tmpdir(), 'oiq-inbox-'));
const record = (id: string, over: Partial<OwnerRecord> = {}): OwnerRecord => ({ id, host: hostname(), pid: process.pid, startedAt: new Date().toISOString(), ...over });
const ctx = (over: Partial<LivenessContext> = {}): LivenessContext => ({ now: Date.now(), host: hostname(), pid: process.pid, leaseMs: LEASE_MS, isPidAlive, ...over });

describe('what counts as a dropped lead file', () => {
  it('skips hidden files and temporary upload names', () => {
    for (const name of ['.leads.csv', 'leads.csv.tmp', 'leads.csv.part', 'leads.CSV.PARTIAL', 'leads.csv.crdownload', 'leads.csv.filepart', 'leads.csv~', '.~lock.leads.csv#']) {
      expect(isTemporaryName(name), name).toBe(true);
    }
    for (const name of ['leads.csv', 'leads.tsv.gz', 'export 2026-11-24.txt', 'tmp-leads.csv', 'partial.csv']) expect(isTemporaryName(name), name).toBe(false);
  });

  it('lists regular files only, oldest first, and keeps those whose size and mtime held still', async () => {
    const inbox = tmp();
    writeFileSync(join(inbox, 'b.csv'), 'x');
    writeFileSync(join(inbox, 'a.csv'), 'xy');
    writeFileSync(join(inbox, 'up.csv.tmp'), 'x');
    mkdirSync(join(inbox, 'done'));
    utimesSync(join(inbox, 'b.csv'), new Date(1_000_000), new Date(1_000_000));
    const list = await listInbox(inbox);
    expect(list.map((e) => e.name)).toEqual(['b.csv', 'a.csv']);
    const grown = list.map((e) => (e.name === 'a.csv' ? { ...e, size: 99 } : e));
    expect(selectSettled(list, grown).map((e) => e.name)).toEqual(['b.csv']);
    const touched = list.map((e) => (e.name === 'b.csv' ? { ...e, mtimeMs: e.mtimeMs + 1 } : e));
    expect(selectSettled(list, touched).map((e) => e.name)).toEqual(['a.csv']);
    expect(selectSettled([], list)).toEqual([]); // new since the first look: wait for the next
  });
});

describe('isOwnerDead', () => {
  it('is dead without a heartbeat, with a dead process on this host, or with a heartbeat older than the lease', () => {
    const now = 1_000_000;
    expect(isOwnerDead(undefined, undefined, ctx({ now }))).toBe(true);
    expect(isOwnerDead({ host: hostname(), pid: 4242 }, now, ctx({ now, isPidAlive: () => false }))).toBe(true);
    expect(isOwnerDead({ host: hostname(), pid: 4242 }, now, ctx({ now, isPidAlive: () => true }))).toBe(false);
    expect(isOwnerDead({ host: 'other-pod', pid: 4242 }, now - LEASE_MS + 1, ctx({ now, isPidAlive: () => false }))).toBe(false); // another host: its pids mean nothing here
    expect(isOwnerDead({ host: 'other-pod', pid: 4242 }, now - LEASE_MS - 1, ctx({ now }))).toBe(true);
    // Our own pid on our host is another container's PID 1, say: only the lease can tell.
    expect(isOwnerDead({ host: hostname(), pid: process.pid }, now, ctx({ now, isPidAlive: () => false }))).toBe(false);
    expect(isOwnerDead(undefined, now, ctx({ now }))).toBe(false); // unreadable record: judged by age
  });

  it('knows whether a pid is running', () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(2 ** 22 + 12345)).toBe(false); // above Linux's pid_max
  });
});

describe('InboxOwner', () => {
  it('registers a claim folder with its heartbeat, and releases it', async () => {
    const inbox = tmp();
    const owner = await InboxOwner.register(inbox, record('w1'), logger);
    expect(readdirSync(inbox).sort()).toEqual(['.claimed', 'done', 'failed']);
    expect(readdirSync(join(inbox, '.claimed'))).toEqual(['w1']);
    expect(JSON.parse(readFileSync(join(owner.dir, ALIVE_FILE), 'utf8'))).toMatchObject({ id: 'w1', pid: process.pid });
    await owner.release();
    expect(readdirSync(join(inbox, '.claimed'))).toEqual([]);
  });

  it('gives each file to exactly one of many owners claiming at once', async () => {
    const inbox = tmp();
    const names = Array.from({ length: 30 }, (_, i) => `drop-${i}.csv`);
    for (const n of names) writeFileSync(join(inbox, n), n);
    const owners = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((id) => InboxOwner.register(inbox, record(id), logger)));
    const wins = await Promise.all(owners.map(async (o) => (await Promise.all(names.map((n) => o.claim(n)))).filter(Boolean).length));
    expect(wins.reduce((a, b) => a + b, 0)).toBe(names.length);
    const claimed = owners.flatMap((o) => readdirSync(o.dir).filter((n) => n !== ALIVE_FILE));
    expect(claimed.sort()).toEqual([...names].sort());
    for (const o of owners) for (const n of readdirSync(o.dir)) if (n !== ALIVE_FILE) expect(readFileSync(join(o.dir, n), 'utf8')).toBe(n);
    for (const o of owners) await o.release();
  });

  it('never claims over a pending claim of the same name', async () => {
    const inbox = tmp();
    const owner = await InboxOwner.register(inbox, record('w1'), logger);
    writeFileSync(join(inbox, 'leads.csv'), 'first');
    expect(await owner.claim('leads.csv')).toBe(true);
    writeFileSync(join(inbox, 'leads.csv'), 'second');
    expect(await owner.claim('leads.csv')).toBe(false);
    expect(readFileSync(join(owner.dir, 'leads.csv'), 'utf8')).toBe('first');
    expect(readFileSync(join(inbox, 'leads.csv'), 'utf8')).toBe('second');
    expect(await owner.claim('gone.csv')).toBe(false);
    expect(await owner.claimedNames()).toEqual(['leads.csv']);
  });

  it('adopts the claims of released, dead and expired owners, never of a live one', async () => {
    const inbox = tmp();
    const me = await InboxOwner.register(inbox, record('me'), logger);
    const released = await InboxOwner.register(inbox, record('released'), logger);
    const live = await InboxOwner.register(inbox, record('live', { host: 'other-pod' }), logger);
    const expired = await InboxOwner.register(inbox, record('expired', { host: 'other-pod' }), logger);
    const crashed = await InboxOwner.register(inbox, record('crashed', { pid: 2 ** 22 + 7 }), logger);
    for (const [o, name] of [[released, 'r.csv'], [live, 'l.csv'], [expired, 'e.csv'], [crashed, 'c.csv']] as const) {
      writeFileSync(join(inbox, name), name);
      expect(await o.claim(name)).toBe(true);
    }
    await released.release();
    const old = new Date(Date.now() - LEASE_MS - 5_000);
    utimesSync(join(expired.dir, ALIVE_FILE), old, old);

    const adopted = await me.adoptAbandoned(ctx());
    expect(adopted.sort()).toEqual(['c.csv', 'e.csv', 'r.csv']);
    expect((await me.claimedNames()).sort()).toEqual(['c.csv', 'e.csv', 'r.csv']);
    expect(readdirSync(join(inbox, '.claimed')).sort()).toEqual(['live', 'me']); // the dead owners' folders are gone
    expect(readdirSync(live.dir).sort()).toEqual([ALIVE_FILE, 'l.csv']);
    for (const o of [me, live, expired, crashed]) await o.release().catch(() => undefined);
  });
});

describe('moveWithoutReplacing', () => {
  it('moves under the same name, or a numbered one when taken (a reason file counts as taken)', async () => {
    const dir = tmp();
    const done = join(dir, 'done');
    mkdirSync(done);
    writeFileSync(join(done, 'leads.csv.gz'), 'old');
    writeFileSync(join(done, 'leads-2.csv.gz.reason.txt'), 'exit 2');
    writeFileSync(join(dir, 'a'), 'new');
    expect(await moveWithoutReplacing(join(dir, 'a'), done, 'leads.csv.gz')).toBe(join(done, 'leads-3.csv.gz'));
    writeFileSync(join(dir, 'b'), 'x');
    expect(await moveWithoutReplacing(join(dir, 'b'), done, 'README')).toBe(join(done, 'README'));
    expect(readFileSync(join(done, 'leads.csv.gz'), 'utf8')).toBe('old');
    expect(readFileSync(join(done, 'leads-3.csv.gz'), 'utf8')).toBe('new');
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });
});
