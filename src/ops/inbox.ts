/**
 * The drop folder's protocol, on the file system alone (so it works on any shared volume):
 *
 *   <inbox>/leads.csv                      dropped, waiting
 *   <inbox>/.claimed/<owner>/leads.csv     taken by one watcher (an atomic rename: one winner)
 *   <inbox>/.claimed/<owner>/.alive        that watcher's heartbeat (mtime refreshed while it runs)
 *   <inbox>/done/leads.csv                 processed (its enriched file is in the outbox)
 *   <inbox>/failed/bad.csv + bad.csv.reason.txt
 *
 * A watcher that dies leaves its claims behind; another adopts them (again by rename) once the owner
 * is known dead: its heartbeat is gone (clean exit), its process is gone (same host), or its heartbeat
 * is older than the lease. Nothing here deletes a dropped file: files only move, never over another.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** Sub-folders of the inbox. */
export const CLAIMED_DIR = '.claimed';
export const DONE_DIR = 'done';
export const FAILED_DIR = 'failed';
/** A watcher's heartbeat file, inside its claim folder. */
export const ALIVE_FILE = '.alive';
/** A heartbeat older than this means its watcher is gone (it beats every HEARTBEAT_MS). */
export const LEASE_MS = 30_000;
export const HEARTBEAT_MS = 5_000;

/** Suffixes of files still being written by common uploaders and editors. */
const TEMPORARY_SUFFIXES = ['.tmp', '.temp', '.partial', '.part', '.crdownload', '.filepart', '.swp', '.lock', '~'];

/** True for a name that is not (yet) a lead file: hidden, or a temporary upload name. */
export function isTemporaryName(name: string): boolean {
  const lower = name.toLowerCase();
  return name.startsWith('.') || TEMPORARY_SUFFIXES.some((s) => lower.endsWith(s));
}

/** A dropped file as seen by one scan. */
export interface InboxEntry {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The lead files waiting in the inbox (regular files, not temporary names), oldest first. */
export async function listInbox(inbox: string): Promise<InboxEntry[]> {
  const entries: InboxEntry[] = [];
  for (const name of await readdir(inbox)) {
    if (isTemporaryName(name)) continue;
    const st = await lstat(join(inbox, name)).catch(() => undefined); // gone since readdir: taken by another watcher
    if (st?.isFile()) entries.push({ name, size: st.size, mtimeMs: st.mtimeMs });
  }
  return entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The entries of `after` whose size and modification time did not change since `before`: no longer being written. */
export function selectSettled(before: readonly InboxEntry[], after: readonly InboxEntry[]): InboxEntry[] {
  const seen = new Map(before.map((e) => [e.name, e]));
  return after.filter((e) => {
    const b = seen.get(e.name);
    return b !== undefined && b.size === e.size && b.mtimeMs === e.mtimeMs;
  });
}

/** What a watcher writes in its heartbeat file. */
export interface OwnerRecord {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
}

/** What deciding an owner's death needs to know about the deciding process. */
export interface LivenessContext {
  now: number;
  host: string;
  pid: number;
  leaseMs: number;
  isPidAlive(pid: number): boolean;
}

/** Whether a claim folder's owner is gone, from its heartbeat file (record and mtime; both undefined when there is none). */
export function isOwnerDead(record: Partial<OwnerRecord> | undefined, aliveMtimeMs: number | undefined, ctx: LivenessContext): boolean {
  if (aliveMtimeMs === undefined) return true; // released on exit, or never finished starting
  // Same host: the process table says it at once. A pid equal to ours is another namespace's (containers): use the lease.
  if (record?.host === ctx.host && typeof record.pid === 'number' && record.pid !== ctx.pid && !ctx.isPidAlive(record.pid)) return true;
  return ctx.now - aliveMtimeMs > ctx.leaseMs;
}

/** True when a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One watcher's claim folder: claims files into it, keeps its heartbeat, adopts abandoned claims. */
export class InboxOwner {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly inbox: string,
    readonly record: OwnerRecord,
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Creates the inbox's sub-folders and this watcher's claim folder (atomically, heartbeat inside), and starts the heartbeat. */
  static async register(inbox: string, record: OwnerRecord, logger: Logger): Promise<InboxOwner> {
    for (const sub of [CLAIMED_DIR, DONE_DIR, FAILED_DIR]) await mkdir(join(inbox, sub), { recursive: true });
    const dir = join(inbox, CLAIMED_DIR, record.id);
    // Built under a hidden name and renamed: a folder without its heartbeat would look abandoned.
    const staging = join(inbox, CLAIMED_DIR, `.${record.id}.starting`);
    await mkdir(staging, { recursive: true });
    await writeFile(join(staging, ALIVE_FILE), `${JSON.stringify(record)}\n`);
    await rename(staging, dir);
    const owner = new InboxOwner(inbox, record, dir, logger);
    owner.timer = setInterval(() => owner.beat(), HEARTBEAT_MS);
    owner.timer.unref();
    return owner;
  }

  /** Takes `name` from the inbox by an atomic rename; false when another watcher was first (or it is gone). */
  async claim(name: string): Promise<boolean> {
    const target = join(this.dir, name);
    if (existsSync(target)) return false; // a claim of the same name is still pending here: never replace it
    try {
      await rename(join(this.inbox, name), target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** The files this watcher holds (claimed, not yet done: left by a stop, or adopted), oldest claim first. */
  async claimedNames(): Promise<string[]> {
    const names = (await readdir(this.dir)).filter((n) => n !== ALIVE_FILE);
    const withTimes = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(this.dir, n))).ctimeMs })));
    return withTimes.sort((a, b) => a.t - b.t).map((x) => x.n);
  }

  /** Moves the claims of dead watchers into this watcher's folder; returns the names adopted. */
  async adoptAbandoned(ctx: LivenessContext): Promise<string[]> {
    const root = join(this.inbox, CLAIMED_DIR);
    const adopted: string[] = [];
    for (const id of await readdir(root)) {
      if (id.startsWith('.') || id === this.record.id) continue;
      const dir = join(root, id);
      const { record, mtimeMs } = await readHeartbeat(join(dir, ALIVE_FILE));
      if (!isOwnerDead(record, mtimeMs, ctx)) continue;
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        if (name === ALIVE_FILE || existsSync(join(this.dir, name))) continue;
        try {
          await rename(join(dir, name), join(this.dir, name));
          adopted.push(name);
          this.logger.info({ file: name, from: id }, 'adopted a file claimed by a watcher that is gone');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // ENOENT: another watcher adopted it first
        }
      }
      // The dead watcher's own files: its heartbeat and, once empty, its folder.
      await rm(join(dir, ALIVE_FILE), { force: true });
      await rmdir(dir).catch(() => undefined);
    }
    return adopted;
  }

  /** Stops the heartbeat and removes it, so another watcher adopts what is left at once; removes the folder if empty. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await rm(join(this.dir, ALIVE_FILE), { force: true });
    await rmdir(this.dir).catch(() => undefined);
  }

  private beat(): void {
    const t = new Date();
    // The local clock, not the file server's: other watchers compare it with theirs.
    utimes(join(this.dir, ALIVE_FILE), t, t).catch((err: Error) => this.logger.warn({ err: err.message }, 'heartbeat not written'));
  }
}

/** Moves a file into `dir` under its own name, or `name-2.ext`, `name-3.ext`… if taken; returns the path. Never replaces a file. */
export async function moveWithoutReplacing(from: string, dir: string, name: string): Promise<string> {
  const dot = name.indexOf('.', 1);
  const stem = dot === -1 ? name : name.slice(0, dot);
  const ext = dot === -1 ? '' : name.slice(dot);
  for (let n = 1; ; n++) {
    const target = join(dir, n === 1 ? name : `${stem}-${n}${ext}`);
    if (existsSync(target) || existsSync(`${target}.reason.txt`)) continue;
    await rename(from, target);
    return target;
  }
}

async function readHeartbeat(path: string): Promise<{ record: Partial<OwnerRecord> | undefined; mtimeMs: number | undefined }> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return { record: undefined, mtimeMs: undefined };
  const text = await readFile(path, 'utf8').catch(() => '');
  try {
    return { record: JSON.parse(text) as Partial<OwnerRecord>, mtimeMs: st.mtimeMs };
  } catch {
    return { record: undefined, mtimeMs: st.mtimeMs }; // being written: judge by its age alone
  }
}
