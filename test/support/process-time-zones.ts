import { afterAll, beforeAll, expect } from 'vitest';

/**
 * The server zones the time-zone-sensitive domain tests run under: results in a group's zone must not
 * change with the zone of the machine the bot happens to run on.
 */
export const PROCESS_TIME_ZONES = ['UTC', 'America/New_York', 'Europe/Stockholm'] as const;

/**
 * Sets process.env.TZ for the tests of the enclosing describe block and restores it afterwards (Node
 * applies a changed TZ at once). Register it before hooks that load the modules under test, so they
 * are evaluated under that zone.
 *
 * @example
 *   describe.each(PROCESS_TIME_ZONES)('with the server in %s', (zone) => { useProcessTimeZone(zone); … });
 */
export function useProcessTimeZone(timeZone: string): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.TZ;
    process.env.TZ = timeZone;
    // Fails loudly if this Node did not pick the change up, rather than passing three times in one zone.
    expect(new Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(timeZone);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
}

/**
 * The wall clock ('YYYY-MM-DD HH:mm') an instant shows in a zone, read with Intl rather than the code
 * under test.
 */
export function wallClockIn(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
