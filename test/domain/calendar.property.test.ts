import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBusinessCalendar, type BusinessCalendar, type CalendarSettingsInput } from '../../src/domain/calendar';

/**
 * The calendar against a naive reference that walks one minute at a time and asks, for every minute, "is this a
 * working, unpaused minute?", reading the chinese-days JSON by date string. All instants here are whole minutes,
 * so a minute is entirely working or not.
 */
const MIN = 60_000;
const DAY = 86_400_000;
const data = chineseDaysData as unknown as { holidays: Record<string, string>; workdays: Record<string, string> };

interface Config {
  name: string;
  settings: CalendarSettingsInput;
  offset: number;
  /** [start, end) in minutes of the local day */
  periods: Array<[number, number]>;
  weekdays: number[]; // JS getUTCDay numbering, 0 = Sunday
  chineseDays: boolean;
  allDay: boolean;
  extraOff: string[];
  extraWork: string[];
}

const CONFIGS: Config[] = [
  {
    name: 'default (Asia/Shanghai, chinese-days)',
    settings: {},
    offset: 480,
    periods: [
      [540, 720],
      [810, 1080],
    ],
    weekdays: [1, 2, 3, 4, 5],
    chineseDays: true,
    allDay: false,
    extraOff: [],
    extraWork: [],
  },
  {
    name: 'default + extra 2027 data (test data, not the real 2027 schedule)',
    settings: { extraHolidays: { name: 'test-2027', holidays: ['2027-01-01', '2027-02-10', '2027-02-11', '2027-02-12'], workdays: ['2027-01-02', '2027-02-06'] } },
    offset: 480,
    periods: [
      [540, 720],
      [810, 1080],
    ],
    weekdays: [1, 2, 3, 4, 5],
    chineseDays: true,
    allDay: false,
    extraOff: ['2027-01-01', '2027-02-10', '2027-02-11', '2027-02-12'],
    extraWork: ['2027-01-02', '2027-02-06'],
  },
  {
    name: 'UTC−03:00, one period 07:45–16:15, Monday–Saturday, no public holidays',
    settings: { timeZone: 'America/Sao_Paulo', utcOffsetMinutes: -180, workingHours: [{ start: '07:45', end: '16:15' }], workingWeekdays: [1, 2, 3, 4, 5, 6], publicHolidays: 'none' },
    offset: -180,
    periods: [[465, 975]],
    weekdays: [1, 2, 3, 4, 5, 6],
    chineseDays: false,
    allDay: false,
    extraOff: [],
    extraWork: [],
  },
  {
    name: '24×7',
    settings: { twentyFourSeven: true },
    offset: 480,
    periods: [[0, 1440]],
    weekdays: [0, 1, 2, 3, 4, 5, 6],
    chineseDays: false,
    allDay: true,
    extraOff: [],
    extraWork: [],
  },
];

const calendars = new Map<string, BusinessCalendar>(CONFIGS.map((c) => [c.name, createBusinessCalendar(c.settings)]));

// ── the reference ────────────────────────────────────────────────────────────────────────────
function refWorkingDate(cfg: Config, date: string): boolean {
  if (cfg.allDay) return true;
  if (cfg.extraWork.includes(date)) return true;
  if (cfg.extraOff.includes(date)) return false;
  if (cfg.chineseDays && date in data.workdays) return true;
  if (cfg.chineseDays && date in data.holidays) return false;
  return cfg.weekdays.includes(new Date(`${date}T00:00:00Z`).getUTCDay());
}

// Memoised per local day number only so the minute walk stays cheap; the answer is refWorkingDate's.
const dayCache = new Map<Config, Map<number, boolean>>(CONFIGS.map((c) => [c, new Map()]));
function refWorkingDay(cfg: Config, day: number): boolean {
  const cache = dayCache.get(cfg)!;
  let v = cache.get(day);
  if (v === undefined) cache.set(day, (v = refWorkingDate(cfg, new Date(day * DAY).toISOString().slice(0, 10))));
  return v;
}

function refWorkingMinute(cfg: Config, t: number): boolean {
  const local = t + cfg.offset * MIN;
  const day = Math.floor(local / DAY);
  if (!refWorkingDay(cfg, day)) return false;
  const minuteOfDay = (local - day * DAY) / MIN;
  return cfg.periods.some(([s, e]) => minuteOfDay >= s && minuteOfDay < e);
}

type Span = { from: number; to: number };
const paused = (pauses: Span[], t: number) => pauses.some((p) => t >= p.from && t < p.to);
const counts = (cfg: Config, pauses: Span[], t: number) => refWorkingMinute(cfg, t) && !paused(pauses, t);

function refAdd(cfg: Config, start: number, minutes: number, pauses: Span[]): number {
  if (minutes === 0) return start;
  let n = 0;
  for (let t = start; ; t += MIN) {
    if (counts(cfg, pauses, t) && ++n === minutes) return t + MIN;
  }
}

function refBetween(cfg: Config, a: number, b: number, pauses: Span[]): number {
  let n = 0;
  for (let t = a; t < b; t += MIN) if (counts(cfg, pauses, t)) n++;
  return n;
}

function refAddWorkingDays(cfg: Config, start: number, n: number): number {
  const local = start + cfg.offset * MIN;
  let day = Math.floor(local / DAY);
  const wall = local - day * DAY;
  for (let found = 0; found < n; ) {
    day++;
    if (refWorkingDay(cfg, day)) found++;
  }
  const inside = cfg.periods.some(([s, e]) => wall >= s * MIN && wall <= e * MIN);
  const lastEnd = cfg.periods[cfg.periods.length - 1]![1] * MIN;
  return day * DAY + (inside ? wall : lastEnd) - cfg.offset * MIN;
}

// ── generators ───────────────────────────────────────────────────────────────────────────────
const utc = (s: string) => Date.parse(`${s}T00:00:00Z`);
// Days around which things happen: every 2025–2026 holiday and make-up day, and the year boundaries.
const ANCHORS = [
  ...Object.keys(data.holidays),
  ...Object.keys(data.workdays),
  '2025-01-01',
  '2025-12-31',
  '2026-01-01',
  '2026-12-31',
  '2027-01-01',
  '2027-02-06',
  '2027-02-10',
]
  .filter((d) => d >= '2025' && d < '2027-03')
  .map(utc);

const configArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(CONFIGS[0]!) },
  { weight: 2, arbitrary: fc.constant(CONFIGS[1]!) },
  { weight: 1, arbitrary: fc.constant(CONFIGS[2]!) },
  { weight: 1, arbitrary: fc.constant(CONFIGS[3]!) },
);

/** A whole-minute instant: anywhere in late 2024 – early 2027, or within 3 days of an anchor day. */
const minuteArb = fc.oneof(
  fc.integer({ min: utc('2024-12-20') / MIN, max: utc('2027-02-20') / MIN }).map((m) => m * MIN),
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -3 * 1440, max: 4 * 1440 })).map(([d, m]) => d + m * MIN - 480 * MIN),
);

/** 0–3 pauses near the start, whole minutes, possibly overlapping, up to 3 days long. */
const pausesArb = (start: number) =>
  fc.array(
    fc.record({ at: fc.integer({ min: -1440, max: 10 * 1440 }), length: fc.integer({ min: 1, max: 3 * 1440 }) }).map(({ at, length }) => ({ from: start + at * MIN, to: start + (at + length) * MIN })),
    { maxLength: 3 },
  );

const caseArb = fc
  .tuple(configArb, minuteArb)
  .chain(([cfg, start]) => fc.record({ cfg: fc.constant(cfg), start: fc.constant(start), pauses: fc.oneof(fc.constant([] as Span[]), pausesArb(start)) }));

/** Targets kept small enough for the minute walk: mostly under a working day, some up to 4 working days. */
const minutesArb = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 3000 }));

const show = (cfg: Config, t: number) => `${calendars.get(cfg.name)!.toIso(t)} [${cfg.name}]`;

describe('calendar agrees with the minute-stepping reference', () => {
  it('addBusinessMinutes (10,000 cases)', () => {
    fc.assert(
      fc.property(caseArb, minutesArb, ({ cfg, start, pauses }, minutes) => {
        const got = calendars.get(cfg.name)!.addBusinessMinutes(start, minutes, pauses);
        const want = refAdd(cfg, start, minutes, pauses);
        if (got !== want) throw new Error(`${show(cfg, start)} + ${minutes}: got ${show(cfg, got)}, want ${show(cfg, want)}`);
      }),
      { numRuns: 10_000 },
    );
  });

  it('businessMinutesBetween over up to 12 days, either order (4,000 cases)', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: -12 * 1440, max: 12 * 1440 }), ({ cfg, start, pauses }, span) => {
        const end = start + span * MIN;
        const got = calendars.get(cfg.name)!.businessMinutesBetween(start, end, pauses);
        const want = span >= 0 ? refBetween(cfg, start, end, pauses) : -refBetween(cfg, end, start, pauses);
        expect(got, `${show(cfg, start)} → ${show(cfg, end)}`).toBe(want);
      }),
      { numRuns: 4_000 },
    );
  });

  it('isWorkingTime, anywhere inside a minute (10,000 cases)', () => {
    fc.assert(
      fc.property(configArb, minuteArb, fc.integer({ min: 0, max: MIN - 1 }), (cfg, minute, ms) => {
        expect(calendars.get(cfg.name)!.isWorkingTime(minute + ms), show(cfg, minute + ms)).toBe(refWorkingMinute(cfg, minute));
      }),
      { numRuns: 10_000 },
    );
  });

  it('addWorkingDays (5,000 cases)', () => {
    fc.assert(
      fc.property(configArb, minuteArb, fc.integer({ min: 0, max: 15 }), (cfg, start, n) => {
        const want = n === 0 ? start : refAddWorkingDays(cfg, start, n);
        expect(calendars.get(cfg.name)!.addWorkingDays(start, n), `${show(cfg, start)} + ${n} working days`).toBe(want);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('calendar laws (any millisecond)', () => {
  const anyInstant = fc.integer({ min: utc('2024-12-01'), max: utc('2027-03-01') });

  it('between(t, add(t, d)) = d, and the result is working time or the end of a working stretch', () => {
    fc.assert(
      fc.property(configArb, anyInstant, fc.integer({ min: 1, max: 3 * 450 * MIN }), (cfg, t, d) => {
        const cal = calendars.get(cfg.name)!;
        const end = cal.addBusinessMs(t, d);
        expect(cal.businessMsBetween(t, end)).toBe(d);
        expect(cal.isWorkingTime(end - 1)).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it('add is monotonic in the duration and additive', () => {
    fc.assert(
      fc.property(configArb, anyInstant, fc.integer({ min: 0, max: 2000 * MIN }), fc.integer({ min: 0, max: 2000 * MIN }), (cfg, t, d1, d2) => {
        const cal = calendars.get(cfg.name)!;
        const first = cal.addBusinessMs(t, d1);
        expect(cal.addBusinessMs(t, d1 + d2)).toBeGreaterThanOrEqual(first);
        if (d2 > 0) expect(cal.addBusinessMs(first, d2)).toBe(cal.addBusinessMs(t, d1 + d2));
      }),
      { numRuns: 3_000 },
    );
  });
});
