/**
 * US geography the simulator's selector needs: the area codes its inventory lives in (with state,
 * census region, city and a population weight), more area codes that only map to a state, and a
 * 3-digit zip-prefix → state table. Realistic enough to geo-match common test data, not a gazetteer.
 */

/** An area code the inventory holds ANIs in. */
export interface AreaCodeInfo {
  areaCode: string;
  state: string;
  region: string;
  locality: string;
  /** Relative share of the inventory (roughly the metro's size). */
  weight: number;
  /** Fixed number of ANIs: a sparse area code that a "pause" plan can empty. */
  sparseCount?: number;
}

const NE = 'Northeast';
const MW = 'Midwest';
const SO = 'South';
const WE = 'West';

/** Area codes with inventory, in a stable order (the generator depends on it). */
export const INVENTORY_AREA_CODES: readonly AreaCodeInfo[] = [
  { areaCode: '212', state: 'NY', region: NE, locality: 'New York', weight: 9 },
  { areaCode: '718', state: 'NY', region: NE, locality: 'Brooklyn', weight: 6 },
  { areaCode: '518', state: 'NY', region: NE, locality: 'Albany', weight: 2 },
  { areaCode: '310', state: 'CA', region: WE, locality: 'Los Angeles', weight: 8 },
  { areaCode: '415', state: 'CA', region: WE, locality: 'San Francisco', weight: 6 },
  { areaCode: '619', state: 'CA', region: WE, locality: 'San Diego', weight: 4 },
  { areaCode: '916', state: 'CA', region: WE, locality: 'Sacramento', weight: 3 },
  { areaCode: '305', state: 'FL', region: SO, locality: 'Miami', weight: 6 },
  { areaCode: '407', state: 'FL', region: SO, locality: 'Orlando', weight: 4 },
  { areaCode: '813', state: 'FL', region: SO, locality: 'Tampa', weight: 4 },
  { areaCode: '312', state: 'IL', region: MW, locality: 'Chicago', weight: 7 },
  { areaCode: '217', state: 'IL', region: MW, locality: 'Springfield', weight: 2 },
  { areaCode: '713', state: 'TX', region: SO, locality: 'Houston', weight: 7 },
  { areaCode: '214', state: 'TX', region: SO, locality: 'Dallas', weight: 6 },
  { areaCode: '512', state: 'TX', region: SO, locality: 'Austin', weight: 4 },
  { areaCode: '210', state: 'TX', region: SO, locality: 'San Antonio', weight: 4 },
  { areaCode: '206', state: 'WA', region: WE, locality: 'Seattle', weight: 5 },
  { areaCode: '509', state: 'WA', region: WE, locality: 'Spokane', weight: 2 },
  { areaCode: '617', state: 'MA', region: NE, locality: 'Boston', weight: 5 },
  { areaCode: '413', state: 'MA', region: NE, locality: 'Springfield', weight: 2 },
  { areaCode: '404', state: 'GA', region: SO, locality: 'Atlanta', weight: 6 },
  { areaCode: '602', state: 'AZ', region: WE, locality: 'Phoenix', weight: 5 },
  { areaCode: '520', state: 'AZ', region: WE, locality: 'Tucson', weight: 2 },
  { areaCode: '303', state: 'CO', region: WE, locality: 'Denver', weight: 4 },
  { areaCode: '702', state: 'NV', region: WE, locality: 'Las Vegas', weight: 4 },
  { areaCode: '775', state: 'NV', region: WE, locality: 'Reno', weight: 1, sparseCount: 1 },
  { areaCode: '215', state: 'PA', region: NE, locality: 'Philadelphia', weight: 5 },
  { areaCode: '412', state: 'PA', region: NE, locality: 'Pittsburgh', weight: 3 },
  { areaCode: '201', state: 'NJ', region: NE, locality: 'Jersey City', weight: 3 },
  { areaCode: '973', state: 'NJ', region: NE, locality: 'Newark', weight: 3 },
  { areaCode: '860', state: 'CT', region: NE, locality: 'Hartford', weight: 1, sparseCount: 2 },
  { areaCode: '802', state: 'VT', region: NE, locality: 'Burlington', weight: 1, sparseCount: 1 },
  { areaCode: '313', state: 'MI', region: MW, locality: 'Detroit', weight: 4 },
  { areaCode: '614', state: 'OH', region: MW, locality: 'Columbus', weight: 3 },
  { areaCode: '216', state: 'OH', region: MW, locality: 'Cleveland', weight: 3 },
  { areaCode: '704', state: 'NC', region: SO, locality: 'Charlotte', weight: 3 },
  { areaCode: '919', state: 'NC', region: SO, locality: 'Raleigh', weight: 3 },
  { areaCode: '615', state: 'TN', region: SO, locality: 'Nashville', weight: 3 },
  { areaCode: '503', state: 'OR', region: WE, locality: 'Portland', weight: 3 },
  { areaCode: '612', state: 'MN', region: MW, locality: 'Minneapolis', weight: 3 },
  { areaCode: '504', state: 'LA', region: SO, locality: 'New Orleans', weight: 1, sparseCount: 2 },
  { areaCode: '801', state: 'UT', region: WE, locality: 'Salt Lake City', weight: 3 },
];

/** Area codes without inventory: a prospect there is matched by state. */
const EXTRA_AREA_CODE_STATES: Readonly<Record<string, string>> = {
  '646': 'NY', '917': 'NY', '347': 'NY', '516': 'NY', '631': 'NY', '716': 'NY', '585': 'NY',
  '213': 'CA', '323': 'CA', '818': 'CA', '408': 'CA', '510': 'CA', '650': 'CA', '714': 'CA', '949': 'CA',
  '786': 'FL', '954': 'FL', '561': 'FL', '904': 'FL', '727': 'FL',
  '773': 'IL', '630': 'IL', '847': 'IL',
  '832': 'TX', '281': 'TX', '469': 'TX', '972': 'TX', '817': 'TX', '737': 'TX', '915': 'TX',
  '425': 'WA', '253': 'WA', '360': 'WA',
  '781': 'MA', '508': 'MA', '978': 'MA',
  '678': 'GA', '770': 'GA', '912': 'GA',
  '480': 'AZ', '623': 'AZ',
  '720': 'CO', '719': 'CO', '970': 'CO',
  '725': 'NV',
  '267': 'PA', '610': 'PA', '717': 'PA',
  '732': 'NJ', '908': 'NJ', '856': 'NJ',
  '203': 'CT', '475': 'CT',
  '248': 'MI', '734': 'MI', '616': 'MI',
  '513': 'OH', '330': 'OH', '937': 'OH',
  '980': 'NC', '336': 'NC',
  '901': 'TN', '865': 'TN',
  '971': 'OR', '541': 'OR',
  '651': 'MN', '763': 'MN',
  '225': 'LA', '318': 'LA',
  '385': 'UT', '435': 'UT',
  '202': 'DC', '301': 'MD', '410': 'MD', '703': 'VA', '804': 'VA', '803': 'SC', '843': 'SC',
  '205': 'AL', '601': 'MS', '502': 'KY', '317': 'IN', '414': 'WI', '314': 'MO', '816': 'MO',
  '913': 'KS', '402': 'NE', '405': 'OK', '501': 'AR', '505': 'NM', '208': 'ID', '307': 'WY',
  '406': 'MT', '701': 'ND', '605': 'SD', '515': 'IA', '808': 'HI', '907': 'AK', '603': 'NH',
  '207': 'ME', '401': 'RI', '302': 'DE', '304': 'WV',
};

const AREA_CODE_STATE = new Map<string, string>(Object.entries(EXTRA_AREA_CODE_STATES));
for (const info of INVENTORY_AREA_CODES) AREA_CODE_STATE.set(info.areaCode, info.state);

/** First three digits of a zip → state, as inclusive ranges (military and territories left out). */
const ZIP_PREFIX_RANGES: ReadonlyArray<readonly [number, number, string]> = [
  [5, 5, 'NY'], [10, 27, 'MA'], [28, 29, 'RI'], [30, 38, 'NH'], [39, 49, 'ME'], [50, 59, 'VT'],
  [60, 69, 'CT'], [70, 89, 'NJ'], [100, 149, 'NY'], [150, 196, 'PA'], [197, 199, 'DE'],
  [200, 205, 'DC'], [206, 219, 'MD'], [220, 246, 'VA'], [247, 268, 'WV'], [270, 289, 'NC'],
  [290, 299, 'SC'], [300, 319, 'GA'], [320, 349, 'FL'], [350, 369, 'AL'], [370, 385, 'TN'],
  [386, 397, 'MS'], [398, 399, 'GA'], [400, 427, 'KY'], [430, 459, 'OH'], [460, 479, 'IN'],
  [480, 499, 'MI'], [500, 528, 'IA'], [530, 549, 'WI'], [550, 567, 'MN'], [569, 569, 'DC'],
  [570, 577, 'SD'], [580, 588, 'ND'], [590, 599, 'MT'], [600, 629, 'IL'], [630, 658, 'MO'],
  [660, 679, 'KS'], [680, 693, 'NE'], [700, 714, 'LA'], [716, 729, 'AR'], [730, 749, 'OK'],
  [750, 799, 'TX'], [800, 816, 'CO'], [820, 831, 'WY'], [832, 838, 'ID'], [840, 847, 'UT'],
  [850, 865, 'AZ'], [870, 884, 'NM'], [885, 885, 'TX'], [889, 898, 'NV'], [900, 961, 'CA'],
  [967, 968, 'HI'], [970, 979, 'OR'], [980, 994, 'WA'], [995, 999, 'AK'],
];

// A flat 1000-slot table: the hot path looks a prefix up with one index, no search.
const ZIP_PREFIX_STATE: Array<string | undefined> = new Array<string | undefined>(1000).fill(undefined);
for (const [from, to, state] of ZIP_PREFIX_RANGES) {
  for (let p = from; p <= to; p++) ZIP_PREFIX_STATE[p] = state;
}

/** The state an area code belongs to, or undefined when the table does not know it. */
export function findAreaCodeState(areaCode: string): string | undefined {
  return AREA_CODE_STATE.get(areaCode);
}

/** The state of a zip (its first three digits; "90210-1234" works), or undefined. */
export function findZipState(zip: string): string | undefined {
  if (zip.length < 3) return undefined;
  const c0 = zip.charCodeAt(0) - 48;
  const c1 = zip.charCodeAt(1) - 48;
  const c2 = zip.charCodeAt(2) - 48;
  if (c0 < 0 || c0 > 9 || c1 < 0 || c1 > 9 || c2 < 0 || c2 > 9) return undefined;
  return ZIP_PREFIX_STATE[c0 * 100 + c1 * 10 + c2];
}

/**
 * The area code of a prospect phone: the first three digits of a 10-digit number, the three after
 * the country code of an 11-digit NANP number; none for other (international) lengths.
 */
export function findPhoneAreaCode(phone: string): string | undefined {
  if (phone.length === 10) return phone.slice(0, 3);
  if (phone.length === 11 && phone.charCodeAt(0) === 49) return phone.slice(1, 4);
  return undefined;
}
