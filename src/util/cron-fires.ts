// Whether a cron expression that parses ever fires. "0 0 31 2 *" (Feb 31)
// parses, but the cron package then walks day by day through 8 years before
// it throws, and a window that never opens would silently stop every
// window-bound renewal. The only way a parsed expression never fires is a
// day of month that no selected month has, while the day of week is
// unrestricted (a restricted day of week is OR-ed with the day of month, as
// in Vixie cron and the cron package); that is decided on the parsed fields
// in constant time.
import { CronTime } from 'cron';

// February counts 29: Feb 29 fires in leap years, within every 8 years.
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function values(field: string | undefined): number[] | 'all' {
  if (field === undefined || field === '*') return 'all';
  return field.split(',').map(Number);
}

/**
 * Why `expression` never fires, or undefined when it does (or when it does
 * not parse: the parser's own error says more). Bounded: constant work for
 * the common case, and at most the cron package's own 8-year scan when the
 * parsed day-of-week field is ambiguous.
 */
export function cronNeverFiresProblem(expression: string): string | undefined {
  let cron: CronTime;
  try {
    cron = new CronTime(expression, 'UTC');
  } catch {
    return undefined;
  }
  // toJSON: [second, minute, hour, dayOfMonth, month, dayOfWeek], '*' or the selected values.
  const [, , , dom, month, dow] = cron.toJSON();
  if (dow !== '*') return undefined;
  const days = values(dom);
  if (days === 'all') return undefined;
  const months = values(month);
  const monthList = months === 'all' ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] : months;
  if (monthList.some((m) => days.some((d) => d <= (DAYS_IN_MONTH[m - 1] ?? 0)))) return undefined;
  // The package prints '*' for a day of week that covers Sunday to Friday
  // even without Saturday, and then treats it as restricted (OR with the day
  // of month). Only a literal '*' is certainly unrestricted; otherwise ask
  // the package itself, whose search is bounded by 8 years.
  const fields = expression.trim().split(/\s+/);
  if (fields[fields.length - 1] !== '*' && !expression.trim().startsWith('@')) {
    try {
      cron.getNextDateFrom(new Date(), 'UTC');
      return undefined;
    } catch {
      // falls through: no date within 8 years
    }
  }
  return `it never fires: no selected month has day ${days.join(',')}`;
}
