/** Business durations as policies write them: `{ value: 2, unit: 'working_days' }`. Pure, workflow-safe. */
export const DURATION_UNITS = ['seconds', 'minutes', 'hours', 'working_days'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

export interface BusinessDuration {
  value: number;
  unit: DurationUnit;
}

const UNIT_MINUTES: Record<Exclude<DurationUnit, 'working_days'>, number> = { seconds: 1 / 60, minutes: 1, hours: 60 };

/**
 * A duration in business minutes, given the length of a working day in minutes (450 by default): `working_days` means
 * that many full working days of working time, which is how "half a working day" is meant.
 */
export const durationMinutes = (d: BusinessDuration, workingDayMinutes: number): number =>
  d.value * (d.unit === 'working_days' ? workingDayMinutes : UNIT_MINUTES[d.unit]);
