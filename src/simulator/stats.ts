/** The simulator's counters: what it received and what it acted on. */
import type { SimulatorStats } from './types.js';

/** processedByPhone stops adding new phones past this many entries (bounded memory). */
export const MAX_TRACKED_PHONES = 2_000_000;

/** Fresh, zeroed counters. */
export function createStats(): SimulatorStats {
  return {
    requests: 0,
    byStatus: {},
    byPath: {},
    leadsReceived: 0,
    leadsProcessed: 0,
    processedByPhone: new Map(),
    nrmActions: 0,
  };
}

/** Adds one to `counts[key]`. */
export function incrementCount(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Records a lead the server acted on. */
export function recordProcessed(stats: SimulatorStats, phone: string): void {
  stats.leadsProcessed++;
  const seen = stats.processedByPhone.get(phone);
  if (seen !== undefined) stats.processedByPhone.set(phone, seen + 1);
  else if (stats.processedByPhone.size < MAX_TRACKED_PHONES) stats.processedByPhone.set(phone, 1);
}

/** A copy of the counters; processedByPhone stays the live map (copying millions of entries is not worth it). */
export function snapshotStats(stats: SimulatorStats): SimulatorStats {
  return { ...stats, byStatus: { ...stats.byStatus }, byPath: { ...stats.byPath } };
}
