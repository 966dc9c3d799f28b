/**
 * Time in the simulated site. Events are epoch seconds (UTC); the site's rhythm (business hours,
 * weekends) follows its local time, Japan (UTC+9, no daylight saving) by default.
 */

export const JST_OFFSET_HOURS = 9;
export const HOUR = 3600;
export const DAY = 86400;

/** Epoch seconds of a local wall-clock time at the given UTC offset. Month is 1-based. */
export function localTime(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  offsetHours = JST_OFFSET_HOURS,
): number {
  return Date.UTC(year, month - 1, day, hour, minute, 0, 0) / 1000 + second - offsetHours * HOUR;
}

/** Hours since local midnight (fractional). */
export function localHourOfDay(ts: number, offsetHours = JST_OFFSET_HOURS): number {
  const local = ts + offsetHours * HOUR;
  return (((local % DAY) + DAY) % DAY) / HOUR;
}

/** Local day of week, 0 = Sunday. */
export function localWeekday(ts: number, offsetHours = JST_OFFSET_HOURS): number {
  return new Date((ts + offsetHours * HOUR) * 1000).getUTCDay();
}

/** Epoch seconds of the local midnight that starts the day containing `ts`. */
export function localMidnight(ts: number, offsetHours = JST_OFFSET_HOURS): number {
  const local = ts + offsetHours * HOUR;
  return local - (((local % DAY) + DAY) % DAY) - offsetHours * HOUR;
}

export function isWorkday(ts: number, offsetHours = JST_OFFSET_HOURS): boolean {
  const d = localWeekday(ts, offsetHours);
  return d !== 0 && d !== 6;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time, for truth and reports. */
export function formatLocal(ts: number, offsetHours = JST_OFFSET_HOURS): string {
  return new Date((ts + offsetHours * HOUR) * 1000).toISOString().replace('T', ' ').slice(0, 23);
}

/** Rounds to Zeek's microsecond resolution. */
export function micros(ts: number): number {
  return Math.round(ts * 1e6) / 1e6;
}
