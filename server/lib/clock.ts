/** Time as a port, so tests drive it: the server never reads `Date.now()` for a business decision directly. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(instant: number | string | Date): void {
    this.current = typeof instant === 'number' ? instant : new Date(instant).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
