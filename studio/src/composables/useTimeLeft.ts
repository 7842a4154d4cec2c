import type { TimeLeftView } from '../api/types';

/**
 * Time left on an SLA clock at `now`, from what the server counted at `asOf`: business minutes of the clock's
 * calendar, so the queue, my work and the ticket page all say the same. Between `asOf` and `now` only the working
 * intervals the server sent count (all of the time on a 24×7 calendar, none while paused); past the two days
 * they cover, the count holds until the page reads the ticket again.
 */
export function minutesLeftAt(left: TimeLeftView, now: number): number {
  if (left.paused) return left.minutes;
  const from = Date.parse(left.asOf);
  if (!Number.isFinite(from) || now <= from) return left.minutes;
  if (left.working === null) return left.minutes - (now - from) / 60_000;
  let counted = 0;
  for (const [start, end] of left.working) {
    const overlap = Math.min(end, now) - Math.max(start, from);
    if (overlap > 0) counted += overlap;
  }
  return left.minutes - counted / 60_000;
}
