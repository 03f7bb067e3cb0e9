/**
 * `nrm plan`: turns an ANI inventory into action rows (an `nrm apply` file) and a preview of what
 * they would do. Streaming: the caller feeds ANIs one at a time and writes each returned action at
 * once; the planner keeps only counters per status and per area code, never the inventory.
 *
 * Each rule applies only where the API's state machine allows the action (pause: an
 * ACTIVE_AND_BEING_MANAGED ANI; activate: a COOLING_OFF one; remediate: any). An ANI gets at most one
 * action: the first rule that matches and is allowed, in the order pause, remediate, activate.
 */
import { NRM_ACTIONS, NRM_STATUS, type AniRecord, type NrmAction } from '../api/schemas.js';
import { AppError } from '../errors.js';
import { normaliseAni } from './action-row.js';
import { formatApiDate, normaliseActionDate } from './api-date.js';
import type { Rule } from './rules.js';

export { aniRecordToRow, recordFromCsvRow } from './export-row.js';

/** The compiled rules of a plan and their source text (quoted in each action's note). */
export interface PlanRules {
  pause?: Rule;
  remediate?: Rule;
  activate?: Rule;
  sources: { pause?: string; remediate?: string; activate?: string };
}

/** One row of the action file a plan writes. */
export interface PlannedAction {
  ani: string;
  action: NrmAction;
  note: string;
  /** The API's 14-digit date; set on activate rows only. */
  date?: string;
}

/** What a plan would do, for a human to check before applying it. */
export interface PlanPreview {
  /** ANIs read. */
  total: number;
  /** Actions planned, per action. */
  byRule: Record<NrmAction, number>;
  /** Actions planned per NRM status (the ANI's `status` before the plan); every status seen is listed. */
  byState: Record<string, Partial<Record<NrmAction, number>>>;
  /** Area codes with active ANIs, the highest share paused first. */
  areaCodes: Array<{ areaCode: string; active: number; paused: number; shareOfActive: number; leftActive: number }>;
  warnings: string[];
}

/** The columns of the action file a plan writes (the `nrm apply` format). */
export const ACTION_FILE_HEADER = ['ani', 'action', 'carrier', 'note', 'date'] as const;

/** The order rules are tried in; the first that matches (and is allowed) wins. */
const RULE_ORDER: readonly NrmAction[] = ['pause', 'remediate', 'activate'];

/** The status an action requires, from the API docs; undefined: any status. */
const REQUIRED_STATUS: Record<NrmAction, string | undefined> = {
  pause: NRM_STATUS.active,
  remediate: undefined,
  activate: NRM_STATUS.coolingOff,
};

/** A planned action as a row under ACTION_FILE_HEADER. */
export function plannedActionToRow(planned: PlannedAction): string[] {
  return [planned.ani, planned.action, '', planned.note, planned.date ?? ''];
}

/**
 * Creates a planner. `activateDate` (any form `normaliseActionDate` reads) is the date sent with
 * activate rows; default: `now` (UTC). Throws E_USAGE when no rule is given or the date is invalid.
 */
export function createPlanner(
  rules: PlanRules,
  options: { now?: Date; activateDate?: string } = {},
): { add(ani: AniRecord): PlannedAction | undefined; preview(): PlanPreview } {
  const active = RULE_ORDER.filter((action) => rules[action] !== undefined);
  if (active.length === 0) {
    throw new AppError('E_USAGE', 'a plan needs at least one rule (--pause-when, --remediate-when or --activate-when)');
  }
  const activateDate = resolveActivateDate(options);
  const byRule = zeroCounts();
  const skipped = zeroCounts();
  const byState = new Map<string, Partial<Record<NrmAction, number>>>();
  const areas = new Map<string, { active: number; paused: number }>();
  let total = 0;

  const add = (ani: AniRecord): PlannedAction | undefined => {
    total += 1;
    const status = ani.status.trim().toUpperCase();
    const stateCounts = byState.get(status) ?? {};
    byState.set(status, stateCounts);
    const area = status === NRM_STATUS.active ? countActive(areas, areaCodeOf(ani)) : undefined;
    for (const action of active) {
      if (rules[action]?.(ani) !== true) continue;
      const required = REQUIRED_STATUS[action];
      if (required !== undefined && status !== required) {
        skipped[action] += 1;
        continue;
      }
      byRule[action] += 1;
      stateCounts[action] = (stateCounts[action] ?? 0) + 1;
      if (action === 'pause' && area) area.paused += 1;
      const planned: PlannedAction = { ani: ani.phone, action, note: `plan: ${rules.sources[action] ?? action}` };
      if (action === 'activate') planned.date = activateDate;
      return planned;
    }
    return undefined;
  };

  const preview = (): PlanPreview => {
    const areaCodes = [...areas].map(([areaCode, { active: activeCount, paused }]) => ({
      areaCode,
      active: activeCount,
      paused,
      shareOfActive: paused / activeCount,
      leftActive: activeCount - paused,
    }));
    areaCodes.sort((a, b) => b.shareOfActive - a.shareOfActive || b.paused - a.paused || a.areaCode.localeCompare(b.areaCode));
    const emptied = areaCodes
      .filter((a) => a.paused > 0 && a.leftActive === 0)
      .sort((a, b) => a.areaCode.localeCompare(b.areaCode))
      .map((a) => `area code ${a.areaCode} would be left with no active ANI (pausing ${a.paused} of ${a.active})`);
    const ruleWarnings = active.flatMap((action) => describeRuleOutcome(action, rules.sources[action], byRule[action], skipped[action], total));
    return {
      total,
      byRule: { ...byRule },
      byState: Object.fromEntries([...byState].map(([status, counts]) => [status, { ...counts }])),
      areaCodes,
      warnings: [...emptied, ...ruleWarnings],
    };
  };

  return { add, preview };
}

function resolveActivateDate(options: { now?: Date; activateDate?: string }): string {
  if (options.activateDate === undefined) return formatApiDate(options.now ?? new Date());
  const date = normaliseActionDate(options.activateDate);
  if (!date.ok) throw new AppError('E_USAGE', `activate date: ${date.error}`, { value: options.activateDate });
  return date.date;
}

function zeroCounts(): Record<NrmAction, number> {
  return Object.fromEntries(NRM_ACTIONS.map((action) => [action, 0])) as Record<NrmAction, number>;
}

function countActive(areas: Map<string, { active: number; paused: number }>, areaCode: string): { active: number; paused: number } {
  const counts = areas.get(areaCode) ?? { active: 0, paused: 0 };
  counts.active += 1;
  areas.set(areaCode, counts);
  return counts;
}

/** The record's area code, else the first three digits of a 10-digit (NANP) phone, else "unknown". */
function areaCodeOf(ani: AniRecord): string {
  const given = ani.areaCode?.trim();
  if (given) return given;
  const phone = normaliseAni(ani.phone);
  return phone.ok && phone.ani.length === 10 ? phone.ani.slice(0, 3) : 'unknown';
}

/** Warnings that a rule did less than its author probably meant. */
function describeRuleOutcome(action: NrmAction, source: string | undefined, planned: number, skipped: number, total: number): string[] {
  const name = `the ${action} rule${source === undefined ? '' : ` (${source})`}`;
  const required = REQUIRED_STATUS[action];
  const warnings: string[] = [];
  if (skipped > 0 && required !== undefined) {
    warnings.push(`${name} matched ${skipped} ANI${skipped === 1 ? '' : 's'} not in ${required}: left out (only those can be ${action === 'pause' ? 'paused' : 'activated'})`);
  }
  if (total > 0 && planned === 0 && skipped === 0) warnings.push(`${name} matched no ANI`);
  return warnings;
}

/** The preview as a short readable report for stderr. */
export function formatPlanPreview(preview: PlanPreview, maxAreaCodes = 20): string {
  const planned = NRM_ACTIONS.reduce((sum, action) => sum + preview.byRule[action], 0);
  const perAction = RULE_ORDER.map((action) => `${action} ${preview.byRule[action]}`).join(', ');
  const lines = [`nrm plan: ${preview.total} ANIs read, ${planned} action${planned === 1 ? '' : 's'} planned (${perAction})`];

  const states = Object.keys(preview.byState).sort();
  if (states.length > 0) {
    const rows = states.map((status) => [status, ...RULE_ORDER.map((action) => String(preview.byState[status]?.[action] ?? 0))]);
    lines.push('', ...formatTable(['status', ...RULE_ORDER], rows));
  }

  const paused = preview.areaCodes.filter((area) => area.paused > 0);
  if (paused.length > 0) {
    const rows = paused
      .slice(0, maxAreaCodes)
      .map((a) => [a.areaCode, String(a.active), String(a.paused), formatShare(a.shareOfActive), String(a.leftActive)]);
    lines.push('', ...formatTable(['area code', 'active', 'paused', 'share', 'left active'], rows));
    if (paused.length > maxAreaCodes) lines.push(`… and ${paused.length - maxAreaCodes} more area codes with pauses`);
  }

  if (preview.warnings.length > 0) lines.push('', ...preview.warnings.map((warning) => `warning: ${warning}`));
  return lines.join('\n');
}

function formatShare(share: number): string {
  const percent = Math.round(share * 100);
  return percent === 0 && share > 0 ? '<1%' : `${percent}%`;
}

/** Left-aligns the first column, right-aligns the others (they are counts). */
function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
