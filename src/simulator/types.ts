/** The simulator's public types and constants (re-exported by ./index.ts). */

/** The default valid API key of the simulator. */
export const SIMULATOR_KEY = 'sim-key';
/** A key the simulator knows but refuses with 403 (a key of the wrong type). */
export const SIMULATOR_WRONG_TYPE_KEY = 'sim-wrong-type-key';

/** Fault knobs; every rate is a fraction in [0, 1] drawn per request from the seeded PRNG. */
export interface SimulatorFaults {
  /**
   * Each answer leaves this many milliseconds after its request arrived: reading and processing the
   * body count toward it, they are not added to it (default 0: answer as soon as processed).
   */
  latencyMs?: number;
  /** Uniform 0..jitter extra milliseconds on top of latencyMs (seeded). */
  latencyJitterMs?: number;
  /** Fraction of requests answered 503 before processing (default 0). */
  errorRate?: number;
  /** Fraction answered 500 AFTER processing (ambiguous: the server acted). */
  error500Rate?: number;
  /** Token bucket over all requests; over it → 429 with Retry-After. */
  rateLimitRps?: number;
  /** Retry-After format on 429 (default 'seconds'). */
  retryAfter?: 'seconds' | 'date';
  /** Retry-After value in seconds (default 1; 0 allowed for fast tests). */
  retryAfterSeconds?: number;
  /** Destroy the socket without processing. */
  resetBeforeRate?: number;
  /** Process the request (counters move), then destroy the socket. */
  resetAfterRate?: number;
  /** Process, then never answer (the client times out): ambiguous. */
  hangRate?: number;
  /** Process, then answer 200 with a garbage or truncated body. */
  malformedRate?: number;
  /** Per batch: drop one result row from the answer (that lead is NOT processed). */
  missingRowRate?: number;
  /** Batches with more leads → 413 {success:false,message}. */
  maxBatchSize?: number;
  /** A batch containing an invalid lead → 400 for the whole batch (the message names the row_id). */
  rejectBatchOnInvalidRow?: boolean;
  /** Every request → 503 (checked before auth). */
  down?: boolean;
  /** Answer batch rows in a shuffled order (default true: clients must match by row_id). */
  shuffleResults?: boolean;
}

/** How to build a simulator. */
export interface SimulatorOptions {
  /** Seed of every PRNG stream (default 1). */
  seed?: number;
  /** API keys; default valid ['sim-key'], wrongType ['sim-wrong-type-key']. */
  keys?: { valid?: string[]; wrongType?: string[] };
  /** Number of ANIs in the NRM/assignment inventory (default 500). */
  inventorySize?: number;
  faults?: SimulatorFaults;
}

/** Counters of what the simulator received and did. */
export interface SimulatorStats {
  requests: number;
  /** Status code → count; sockets destroyed count as "reset", unanswered requests as "hang". */
  byStatus: Record<string, number>;
  /** Route path → count; unknown paths count as "other". */
  byPath: Record<string, number>;
  /** Leads in batch bodies received (incl. rejected requests); a single /assignment counts 1. */
  leadsReceived: number;
  /** Leads the server acted on (a valid lead whose assignment was attempted). */
  leadsProcessed: number;
  /** prospect_phone → times processed (capped at 2,000,000 entries). A live view: do not mutate. */
  processedByPhone: Map<string, number>;
  /** NRM actions (pause/activate/remediate) the server acted on, whatever their outcome. */
  nrmActions: number;
}

/** One ANI of the inventory: exactly the documented NRM fields, in the docs' order. */
export interface AniState {
  id: number;
  phone: string;
  brand: string;
  status: string;
  statusLabel: string;
  campaignName: string;
  areaCode: string;
  region: string;
  state: string;
  locality: string;
  frequencyAssigned: number;
  frequencyDialed: number;
  frequencyContacted: number;
  dateLastDialed: string | null;
  dateActivated: string | null;
  dateDeactivated: string | null;
  dateInventoried: string;
  createdAt: string;
  last30DaysDials: number;
  last30DaysContacts: number;
  contactRate: number;
  successRate: number;
  blockRate: number;
  noAnswerRate: number;
}

/** A started simulator. */
export interface RunningSimulator {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** A snapshot of the counters (processedByPhone is the live map). */
  stats(): SimulatorStats;
  /** Replaces the faults at runtime (tests switch the API "down" and "up"). */
  setFaults(faults: SimulatorFaults): void;
  /** A copy of the current NRM state. */
  inventory(): readonly AniState[];
  /** Closes the server and every socket, hung ones included. */
  close(): Promise<void>;
}

/**
 * What a route handler answers: an HTTP status and a JSON payload, or that payload's JSON text when
 * the handler wrote it directly (the batch route, whose answer is the hot path).
 */
export type HandlerResult = { status: number; payload: unknown } | { status: number; json: string };

/** A parsed JSON request body, or why it could not be parsed. */
export type ParsedBody = { value: unknown } | { error: string };
