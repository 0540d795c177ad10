import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PROCESS_TIME_ZONES, useProcessTimeZone, wallClockIn } from '../support/process-time-zones';
import type { Recurrence, WallClockSchedule } from '../../src/domain/recurrence';

type RecurrenceModule = typeof import('../../src/domain/recurrence');

const STOCKHOLM = 'Europe/Stockholm';

function schedule(startDay: string, time: string, recurrence: Recurrence, timeZone = STOCKHOLM): WallClockSchedule {
  return { startDay, time, timeZone, recurrence };
}

describe.each(PROCESS_TIME_ZONES)('recurrence with the server clock in %s', (processTimeZone) => {
  useProcessTimeZone(processTimeZone);
  let m: RecurrenceModule;
  beforeAll(async () => {
    vi.resetModules();
    m = await import('../../src/domain/recurrence.js');
  });

  /** The days of the occurrences after `after`, each found from the one before. */
  function occurrences(s: WallClockSchedule, after: Date, count: number): { day: string; at: Date }[] {
    const found: { day: string; at: Date }[] = [];
    for (let previous = after; found.length < count; ) {
      const next = m.nextOccurrence(s, previous);
      if (!next) break;
      found.push(next);
      previous = next.at;
    }
    return found;
  }

  describe('stored form', () => {
    it.each<[string, Recurrence]>([
      ['once', { kind: 'once' }],
      ['weekly:1', { kind: 'weekly', everyWeeks: 1 }],
      ['weekly:2', { kind: 'weekly', everyWeeks: 2 }],
      ['weekly:52', { kind: 'weekly', everyWeeks: 52 }],
      ['monthly:1:2', { kind: 'monthly', nth: 1, weekday: 2 }],
      ['monthly:4:7', { kind: 'monthly', nth: 4, weekday: 7 }],
      ['monthly:-1:5', { kind: 'monthly', nth: -1, weekday: 5 }],
    ])('%s reads and writes back the same', (text, recurrence) => {
      expect(m.parseRecurrence(text)).toEqual(recurrence);
      expect(m.formatRecurrence(recurrence)).toBe(text);
    });

    it.each([
      '',
      'ONCE',
      ' once',
      'weekly',
      'weekly:0',
      'weekly:53',
      'weekly:02',
      'weekly:1.5',
      'weekly:-1',
      'monthly:0:1',
      'monthly:5:1',
      'monthly:-2:1',
      'monthly:1:0',
      'monthly:1:8',
      'monthly:1',
      'daily',
    ])('%j is not a recurrence', (text) => {
      expect(m.parseRecurrence(text)).toBeUndefined();
    });

    it('will not write a recurrence out of range', () => {
      expect(() => m.formatRecurrence({ kind: 'weekly', everyWeeks: 0 })).toThrow(RangeError);
      expect(() => m.formatRecurrence({ kind: 'monthly', nth: 1, weekday: 8 })).toThrow(RangeError);
    });
  });

  describe('once', () => {
    const meeting = schedule('2026-06-10', '08:30', { kind: 'once' });

    it('occurs at its wall-clock time when that is still to come', () => {
      expect(m.nextOccurrence(meeting, new Date('2026-06-01T00:00:00Z'))).toEqual({
        day: '2026-06-10',
        at: new Date('2026-06-10T06:30:00Z'),
      });
    });

    it('is gone once its time has come or passed', () => {
      expect(m.nextOccurrence(meeting, new Date('2026-06-10T06:30:00Z'))).toBeUndefined();
      expect(m.nextOccurrence(meeting, new Date('2026-07-01T00:00:00Z'))).toBeUndefined();
    });
  });

  describe('weekly', () => {
    it('stays at 08:30 local across both DST changes', () => {
      const mondays = schedule('2026-03-23', '08:30', { kind: 'weekly', everyWeeks: 1 });
      const found = occurrences(mondays, new Date('2026-03-01T00:00:00Z'), 33);
      expect(found[0]).toEqual({ day: '2026-03-23', at: new Date('2026-03-23T07:30:00Z') });
      expect(found[1]).toEqual({ day: '2026-03-30', at: new Date('2026-03-30T06:30:00Z') });
      expect(found[30]).toEqual({ day: '2026-10-19', at: new Date('2026-10-19T06:30:00Z') });
      expect(found[31]).toEqual({ day: '2026-10-26', at: new Date('2026-10-26T07:30:00Z') });
      for (const occurrence of found) expect(wallClockIn(occurrence.at, STOCKHOLM)).toBe(`${occurrence.day} 08:30`);
    });

    it('at 02:30 on the DST Sundays: forward by the gap in March, once only in October', () => {
      const sundays = schedule('2026-03-22', '02:30', { kind: 'weekly', everyWeeks: 1 });
      expect(occurrences(sundays, new Date('2026-03-01T00:00:00Z'), 3).map((o) => o.at)).toEqual([
        new Date('2026-03-22T01:30:00Z'),
        new Date('2026-03-29T01:30:00Z'),
        new Date('2026-04-05T00:30:00Z'),
      ]);
      expect(occurrences(sundays, new Date('2026-10-17T00:00:00Z'), 3)).toEqual([
        { day: '2026-10-18', at: new Date('2026-10-18T00:30:00Z') },
        { day: '2026-10-25', at: new Date('2026-10-25T00:30:00Z') },
        { day: '2026-11-01', at: new Date('2026-11-01T01:30:00Z') },
      ]);
    });

    it('every other week from the start day', () => {
      const fortnightly = schedule('2026-01-05', '08:30', { kind: 'weekly', everyWeeks: 2 });
      expect(occurrences(fortnightly, new Date('2025-12-01T00:00:00Z'), 4).map((o) => o.day)).toEqual([
        '2026-01-05',
        '2026-01-19',
        '2026-02-02',
        '2026-02-16',
      ]);
      expect(m.nextOccurrence(fortnightly, new Date('2026-06-01T12:00:00Z'))).toEqual({
        day: '2026-06-08',
        at: new Date('2026-06-08T06:30:00Z'),
      });
      // strictly after: at the occurrence itself the next one is due, a moment before it is this one
      expect(m.nextOccurrence(fortnightly, new Date('2026-06-08T06:30:00Z'))?.day).toBe('2026-06-22');
      expect(m.nextOccurrence(fortnightly, new Date('2026-06-08T06:29:59Z'))?.day).toBe('2026-06-08');
    });

    it('follows the group zone, not Stockholm', () => {
      const newYork = schedule('2026-03-02', '09:00', { kind: 'weekly', everyWeeks: 1 }, 'America/New_York');
      expect(occurrences(newYork, new Date('2026-03-01T00:00:00Z'), 2).map((o) => o.at)).toEqual([
        new Date('2026-03-02T14:00:00Z'),
        new Date('2026-03-09T13:00:00Z'),
      ]);
    });
  });

  describe('monthly', () => {
    it('the first Tuesday of each month from January 2026', () => {
      const firstTuesday = schedule('2026-01-01', '08:30', { kind: 'monthly', nth: 1, weekday: 2 });
      const found = occurrences(firstTuesday, new Date('2025-12-31T00:00:00Z'), 12);
      expect(found.map((o) => o.day)).toEqual([
        '2026-01-06',
        '2026-02-03',
        '2026-03-03',
        '2026-04-07',
        '2026-05-05',
        '2026-06-02',
        '2026-07-07',
        '2026-08-04',
        '2026-09-01',
        '2026-10-06',
        '2026-11-03',
        '2026-12-01',
      ]);
      expect(found[0]!.at).toEqual(new Date('2026-01-06T07:30:00Z'));
      expect(found[3]!.at).toEqual(new Date('2026-04-07T06:30:00Z'));
      for (const occurrence of found) expect(wallClockIn(occurrence.at, STOCKHOLM)).toBe(`${occurrence.day} 08:30`);
    });

    it('the last Friday of each month', () => {
      const lastFriday = schedule('2026-01-01', '14:00', { kind: 'monthly', nth: -1, weekday: 5 });
      expect(occurrences(lastFriday, new Date('2026-01-01T00:00:00Z'), 12).map((o) => o.day)).toEqual([
        '2026-01-30',
        '2026-02-27',
        '2026-03-27',
        '2026-04-24',
        '2026-05-29',
        '2026-06-26',
        '2026-07-31',
        '2026-08-28',
        '2026-09-25',
        '2026-10-30',
        '2026-11-27',
        '2026-12-25',
      ]);
    });

    it('does not count an occurrence before the start day', () => {
      const firstTuesday = schedule('2026-01-07', '08:30', { kind: 'monthly', nth: 1, weekday: 2 });
      expect(m.nextOccurrence(firstTuesday, new Date('2025-12-01T00:00:00Z'))?.day).toBe('2026-02-03');
    });

    it('jumps straight to the month after a late `after`', () => {
      const thirdWednesday = schedule('2026-01-01', '10:00', { kind: 'monthly', nth: 3, weekday: 3 });
      expect(m.nextOccurrence(thirdWednesday, new Date('2031-05-21T08:00:00Z'))).toEqual({
        day: '2031-06-18',
        at: new Date('2031-06-18T08:00:00Z'),
      });
      expect(m.nextOccurrence(thirdWednesday, new Date('2031-05-21T07:59:00Z'))?.day).toBe('2031-05-21');
    });
  });

  it('refuses a schedule that is not one', () => {
    const after = new Date('2026-01-01T00:00:00Z');
    expect(() => m.nextOccurrence(schedule('2026-01-05', '08:30', { kind: 'weekly', everyWeeks: 0 }), after)).toThrow(RangeError);
    expect(() => m.nextOccurrence(schedule('2026-01-05', '8.30', { kind: 'once' }), after)).toThrow(RangeError);
    expect(() => m.nextOccurrence(schedule('2026-01-05', '08:30', { kind: 'once' }, 'Mars/Olympus'), after)).toThrow(RangeError);
  });
});
