import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PROCESS_TIME_ZONES, useProcessTimeZone, wallClockIn } from '../support/process-time-zones';

type WorkingTimeModule = typeof import('../../src/domain/working-time');

const STOCKHOLM = 'Europe/Stockholm';

describe.each(PROCESS_TIME_ZONES)('working time with the server clock in %s', (processTimeZone) => {
  useProcessTimeZone(processTimeZone);
  let m: WorkingTimeModule;
  let office: WorkingTimeModule['DEFAULT_WORKING_TIME'];
  beforeAll(async () => {
    // Evaluated afresh under this zone, so nothing cached under another one (e.g. holidays) is reused.
    vi.resetModules();
    m = await import('../../src/domain/working-time.js');
    office = m.DEFAULT_WORKING_TIME;
  });

  describe('Swedish holidays', () => {
    it.each([
      ['2026-01-01', 'nyårsdagen'],
      ['2026-01-06', 'trettondedag jul'],
      ['2026-04-03', 'långfredagen'],
      ['2026-04-06', 'annandag påsk'],
      ['2026-05-01', 'första maj'],
      ['2026-05-14', 'Kristi himmelsfärdsdag'],
      ['2026-06-06', 'nationaldagen (a Saturday)'],
      ['2026-06-19', 'midsommarafton'],
      ['2026-12-24', 'julafton'],
      ['2026-12-25', 'juldagen'],
      ['2026-12-26', 'annandag jul'],
      ['2026-12-31', 'nyårsafton'],
      ['2027-03-26', 'långfredagen 2027'],
    ])('%s (%s) is a holiday and no working day', (day) => {
      expect(m.isSwedishHoliday(day)).toBe(true);
      expect(m.isWorkingDay(day, office)).toBe(false);
    });

    it.each([
      ['2026-04-30', 'valborgsmässoafton, a half day'],
      ['2026-01-05', 'trettondagsafton, a half day'],
      ['2026-04-02', 'skärtorsdagen, an observance'],
      ['2026-01-13', 'tjugondag Knut, an observance'],
      ['2026-10-30', 'allhelgonaafton, a half day'],
    ])('%s (%s) is a working day', (day) => {
      expect(m.isSwedishHoliday(day)).toBe(false);
      expect(m.isWorkingDay(day, office)).toBe(true);
    });

    it('does not work on the weekend, and works on the configured days only', () => {
      expect(m.isWorkingDay('2026-06-13', office)).toBe(false);
      expect(m.isWorkingDay('2026-06-14', office)).toBe(false);
      const saturdays = { ...office, days: [6] };
      expect(m.isWorkingDay('2026-06-13', saturdays)).toBe(true);
      expect(m.isWorkingDay('2026-06-12', saturdays)).toBe(false);
      expect(m.isWorkingDay('2026-06-20', saturdays)).toBe(false); // midsommardagen
    });
  });

  describe('wall clock and instants', () => {
    it('reads the day in the group zone, not the server zone', () => {
      expect(m.localDayOf(new Date('2026-06-18T22:30:00Z'), STOCKHOLM)).toBe('2026-06-19');
      expect(m.localDayOf(new Date('2026-06-18T22:30:00Z'), 'America/New_York')).toBe('2026-06-18');
      expect(m.localDayOf(new Date('2026-12-31T23:00:00Z'), STOCKHOLM)).toBe('2027-01-01');
    });

    it('turns an ordinary wall-clock time into its instant, summer and winter', () => {
      expect(m.wallClockToInstant('2026-01-15', '08:30', STOCKHOLM)).toEqual(new Date('2026-01-15T07:30:00Z'));
      expect(m.wallClockToInstant('2026-07-15', '08:30', STOCKHOLM)).toEqual(new Date('2026-07-15T06:30:00Z'));
      expect(m.wallClockToInstant('2026-07-15', '00:00', STOCKHOLM)).toEqual(new Date('2026-07-14T22:00:00Z'));
      expect(m.wallClockToInstant('2026-07-15', '23:59', 'UTC')).toEqual(new Date('2026-07-15T23:59:00Z'));
    });

    it('moves a time the clocks skip forward by the gap (2026-03-29 02:30 → 03:30 local)', () => {
      const at = m.wallClockToInstant('2026-03-29', '02:30', STOCKHOLM);
      expect(at).toEqual(new Date('2026-03-29T01:30:00Z'));
      expect(wallClockIn(at, STOCKHOLM)).toBe('2026-03-29 03:30');
      expect(m.wallClockToInstant('2026-03-29', '01:59', STOCKHOLM)).toEqual(new Date('2026-03-29T00:59:00Z'));
      expect(m.wallClockToInstant('2026-03-29', '03:00', STOCKHOLM)).toEqual(new Date('2026-03-29T01:00:00Z'));
    });

    it('takes the earlier instant of a time the clocks pass twice (2026-10-25 02:30)', () => {
      expect(m.wallClockToInstant('2026-10-25', '02:30', STOCKHOLM)).toEqual(new Date('2026-10-25T00:30:00Z'));
      expect(m.wallClockToInstant('2026-10-25', '02:00', STOCKHOLM)).toEqual(new Date('2026-10-25T00:00:00Z'));
      expect(m.wallClockToInstant('2026-10-25', '03:00', STOCKHOLM)).toEqual(new Date('2026-10-25T02:00:00Z'));
      expect(m.wallClockToInstant('2026-11-01', '01:30', 'America/New_York')).toEqual(new Date('2026-11-01T05:30:00Z'));
    });

    it('refuses a day, time or zone that is not one', () => {
      expect(() => m.wallClockToInstant('2026-02-30', '08:00', STOCKHOLM)).toThrow(RangeError);
      expect(() => m.wallClockToInstant('2026-2-3', '08:00', STOCKHOLM)).toThrow(RangeError);
      expect(() => m.wallClockToInstant('2026-02-03', '24:00', STOCKHOLM)).toThrow(RangeError);
      expect(() => m.wallClockToInstant('2026-02-03', '8:00', STOCKHOLM)).toThrow(RangeError);
      expect(() => m.wallClockToInstant('2026-02-03', '08:00', 'Europe/Nowhere')).toThrow(RangeError);
      expect(() => m.localDayOf(new Date('2026-02-03T08:00:00Z'), 'Europe/Nowhere')).toThrow(RangeError);
      expect(() => m.localDayOf(new Date(Number.NaN), STOCKHOLM)).toThrow(RangeError);
      expect(() => m.isSwedishHoliday('24 december')).toThrow(RangeError);
    });
  });

  describe('working time', () => {
    it('starts inclusive and ends exclusive', () => {
      expect(m.isWorkingTime(new Date('2026-12-23T06:59:00Z'), office)).toBe(false); // 07:59
      expect(m.isWorkingTime(new Date('2026-12-23T07:00:00Z'), office)).toBe(true); // 08:00
      expect(m.isWorkingTime(new Date('2026-12-23T15:59:59Z'), office)).toBe(true); // 16:59:59
      expect(m.isWorkingTime(new Date('2026-12-23T16:00:00Z'), office)).toBe(false); // 17:00
      expect(m.isWorkingTime(new Date('2026-12-24T10:00:00Z'), office)).toBe(false); // julafton
      expect(m.isWorkingTime(new Date('2026-06-13T10:00:00Z'), office)).toBe(false); // Saturday
    });

    it('gives the start of the working day as an instant, summer and winter', () => {
      expect(m.startOfWorkingDay('2026-12-21', office)).toEqual(new Date('2026-12-21T07:00:00Z'));
      expect(m.startOfWorkingDay('2026-06-10', office)).toEqual(new Date('2026-06-10T06:00:00Z'));
    });

    it('keeps an instant within working time as it is', () => {
      const at = new Date('2026-12-23T15:59:00Z'); // 16:59
      expect(m.nextWorkingTime(at, office)).toEqual(at);
    });

    it('moves quiet hours on a working day to 08:00 the same day', () => {
      expect(m.nextWorkingTime(new Date('2026-06-10T04:00:00Z'), office)).toEqual(new Date('2026-06-10T06:00:00Z'));
      expect(m.nextWorkingTime(new Date('2026-06-09T22:30:00Z'), office)).toEqual(new Date('2026-06-10T06:00:00Z'));
    });

    it('moves Friday evening to Monday 08:00', () => {
      // Friday 2026-12-18 18:00 → Monday 2026-12-21 08:00
      expect(m.nextWorkingTime(new Date('2026-12-18T17:00:00Z'), office)).toEqual(new Date('2026-12-21T07:00:00Z'));
    });

    it('moves 17:00 on 2026-12-23 past Christmas to 2026-12-28 08:00', () => {
      expect(m.nextWorkingTime(new Date('2026-12-23T16:00:00Z'), office)).toEqual(new Date('2026-12-28T07:00:00Z'));
      expect(m.nextWorkingTime(new Date('2026-12-25T09:00:00Z'), office)).toEqual(new Date('2026-12-28T07:00:00Z'));
    });

    it('moves across Easter and across a DST change to 08:00 local', () => {
      // skärtorsdagen 17:30 → tisdag after annandag påsk 08:00
      expect(m.nextWorkingTime(new Date('2026-04-02T15:30:00Z'), office)).toEqual(new Date('2026-04-07T06:00:00Z'));
      // Friday 2026-03-27 18:00 CET → Monday 2026-03-30 08:00 CEST
      const monday = m.nextWorkingTime(new Date('2026-03-27T17:00:00Z'), office);
      expect(monday).toEqual(new Date('2026-03-30T06:00:00Z'));
      expect(wallClockIn(monday, STOCKHOLM)).toBe('2026-03-30 08:00');
    });

    it('never answers earlier than the instant, even when the start hour is shown twice', () => {
      const nightShift = { timeZone: STOCKHOLM, days: [1, 2, 3, 4, 5, 6, 7], startMinute: 150, endMinute: 240 };
      // 01:10Z on 2026-10-25 is the second 02:10; the first 02:30 (00:30Z) is already past.
      const at = new Date('2026-10-25T01:10:00Z');
      expect(m.nextWorkingTime(at, nightShift)).toEqual(new Date('2026-10-25T01:30:00Z'));
      // A start in the spring gap (02:30) begins at 03:30 local.
      expect(m.nextWorkingTime(new Date('2026-03-29T00:30:00Z'), nightShift)).toEqual(new Date('2026-03-29T01:30:00Z'));
    });

    it('never answers earlier than the instant, over a year of hours', () => {
      for (let hour = 0; hour < 366 * 24; hour += 7) {
        const at = new Date(Date.UTC(2026, 0, 1) + hour * 3_600_000);
        const next = m.nextWorkingTime(at, office);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(m.isWorkingTime(next, office)).toBe(true);
      }
    });

    it('refuses a working time with no days or no hours', () => {
      const at = new Date('2026-06-10T10:00:00Z');
      expect(() => m.nextWorkingTime(at, { ...office, days: [] })).toThrow(RangeError);
      expect(() => m.nextWorkingTime(at, { ...office, days: [0] })).toThrow(RangeError);
      expect(() => m.nextWorkingTime(at, { ...office, startMinute: 17 * 60, endMinute: 8 * 60 })).toThrow(RangeError);
    });
  });

  describe('counting working days', () => {
    it('counts forward and backward across Easter', () => {
      expect(m.addWorkingDays('2026-04-02', 1, office)).toBe('2026-04-07');
      expect(m.addWorkingDays('2026-04-07', -1, office)).toBe('2026-04-02');
      expect(m.addWorkingDays('2026-04-01', 3, office)).toBe('2026-04-08');
      expect(m.addWorkingDays('2026-04-08', -3, office)).toBe('2026-04-01');
    });

    it('counts across Christmas and New Year', () => {
      expect(m.addWorkingDays('2026-12-23', 1, office)).toBe('2026-12-28');
      expect(m.addWorkingDays('2026-12-23', 4, office)).toBe('2027-01-04');
      expect(m.addWorkingDays('2027-01-04', -4, office)).toBe('2026-12-23');
    });

    it('returns the day itself for zero, even a holiday', () => {
      expect(m.addWorkingDays('2026-12-24', 0, office)).toBe('2026-12-24');
      expect(() => m.addWorkingDays('2026-12-24', 1.5, office)).toThrow(RangeError);
    });

    it('finds the working day just before and just after', () => {
      expect(m.workingDayBefore('2026-12-28', office)).toBe('2026-12-23');
      expect(m.workingDayBefore('2026-04-07', office)).toBe('2026-04-02');
      expect(m.workingDayBefore('2026-06-10', office)).toBe('2026-06-09');
      expect(m.firstWorkingDayAfter('2026-12-23', office)).toBe('2026-12-28');
      expect(m.firstWorkingDayAfter('2026-06-18', office)).toBe('2026-06-22'); // over midsommar
      expect(m.firstWorkingDayAfter('2026-06-19', { ...office, days: [6] })).toBe('2026-06-27');
    });
  });

  describe('calendar months (a crisis plan review every six months)', () => {
    it('keeps the day, or the end of a shorter month, across years', () => {
      expect(m.addCalendarMonths('2026-06-03', 6)).toBe('2026-12-03');
      expect(m.addCalendarMonths('2026-08-31', 6)).toBe('2027-02-28');
      expect(m.addCalendarMonths('2027-08-31', 6)).toBe('2028-02-29');
    });
  });
});
