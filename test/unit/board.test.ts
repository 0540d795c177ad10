import { describe, expect, it } from 'vitest';
import { boardQuestionDay, boardStats, daysOnBoard, validateBoardEntryInput, validateBoardRemoval, validateBoardSettings } from '../../src/domain/board';
import { boardSubCommand } from '../../src/teams/board';

const at = (iso: string) => new Date(iso);
const TZ = 'Europe/Stockholm';

describe('the FACT board rules', () => {
  it('validates the put-on form: a reason from the list, text required for other, interventions required, lengths', () => {
    expect(validateBoardEntryInput({ reasonCode: 'suicide_risk', interventions: ' Hembesök varje dag ' })).toEqual({ ok: true, value: { reasonCode: 'suicide_risk', reasonText: null, interventions: 'Hembesök varje dag' } });
    expect(validateBoardEntryInput({ reasonCode: 'x', interventions: '' })).toEqual({ ok: false, fieldErrors: { reasonCode: 'board.error.reason', interventions: 'board.error.interventions' } });
    expect(validateBoardEntryInput({ reasonCode: 'other', reasonText: '\u200b ', interventions: 'x' })).toEqual({ ok: false, fieldErrors: { reasonText: 'board.error.reasonText' } });
    expect(validateBoardEntryInput({ reasonCode: 'other', reasonText: 'x'.repeat(301), interventions: 'x'.repeat(501) })).toEqual({ ok: false, fieldErrors: { reasonText: 'board.error.tooLong', interventions: 'board.error.tooLong' } });
    expect(validateBoardRemoval({ note: '' })).toEqual({ ok: false, fieldErrors: { note: 'board.error.note' } });
    expect(validateBoardRemoval({ note: 'Stabil' })).toEqual({ ok: true, value: { note: 'Stabil' } });
  });

  it('validates the settings: a wall-clock time, on/off, 1–90 days', () => {
    expect(validateBoardSettings({ dailyTime: '08:30', dailyEnabled: 'true', askAfterDays: '14' })).toEqual({ ok: true, value: { dailyTime: '08:30', dailyEnabled: true, askAfterDays: 14 } });
    expect(validateBoardSettings({ dailyTime: '25:00', dailyEnabled: 'false', askAfterDays: '0' })).toEqual({ ok: false, fieldErrors: { dailyTime: 'board.error.time', askAfterDays: 'board.error.askAfterDays' } });
  });

  it('counts days on the board in local calendar days, and the question day after them', () => {
    expect(daysOnBoard(at('2026-12-01T23:30:00Z'), at('2026-12-02T07:00:00Z'), TZ)).toBe(0); // both 2 December in Stockholm
    expect(daysOnBoard(at('2026-12-01T22:30:00Z'), at('2026-12-02T07:00:00Z'), TZ)).toBe(1); // 23:30 on 1 December
    expect(daysOnBoard(at('2026-12-01T09:00:00Z'), at('2026-12-15T07:00:00Z'), TZ)).toBe(14);
    expect(daysOnBoard(at('2026-03-27T09:00:00Z'), at('2026-03-30T07:00:00Z'), TZ)).toBe(3); // across the change to summer time
    expect(boardQuestionDay(at('2026-12-01T09:00:00Z'), 14, TZ)).toBe('2026-12-15');
  });

  it('counts who was on the board each of the last 12 weeks, and the average stay', () => {
    const now = at('2026-12-02T10:00:00Z'); // Wednesday of week 49
    const stats = boardStats(
      [
        { placedAt: at('2026-11-23T10:00:00Z'), removedAt: at('2026-11-25T10:00:00Z') }, // week 48 only, 2 days
        { placedAt: at('2026-11-27T10:00:00Z'), removedAt: null }, // week 48 and 49, 5 days so far
        { placedAt: at('2026-01-05T10:00:00Z'), removedAt: at('2026-02-01T10:00:00Z') }, // long before
      ],
      now,
      TZ,
    );
    expect(stats.weeks).toHaveLength(12);
    expect(stats.weeks.at(-1)).toEqual({ monday: '2026-11-30', week: 49, count: 1 });
    expect(stats.weeks.at(-2)).toEqual({ monday: '2026-11-23', week: 48, count: 2 });
    expect(stats.weeks[0]!.monday).toBe('2026-09-14');
    expect(stats.weeks.slice(0, 10).every((w) => w.count === 0)).toBe(true);
    expect(stats).toMatchObject({ averageDays: 3.5, stays: 2 });
    expect(boardStats([], now, TZ).averageDays).toBeNull();
  });

  it('reads the sub-commands in Swedish and English; anything else shows the board', () => {
    expect(['lägg till', 'lagg till', 'add'].map(boardSubCommand)).toEqual(['add', 'add', 'add']);
    expect(['ta bort', 'remove'].map(boardSubCommand)).toEqual(['remove', 'remove']);
    expect(['här', 'HÄR', 'here'].map(boardSubCommand)).toEqual(['here', 'here', 'here']);
    expect(['statistik', 'stats'].map(boardSubCommand)).toEqual(['stats', 'stats']);
    expect(['team', 'teamet'].map(boardSubCommand)).toEqual(['team', 'team']);
    expect(['', 'K.L.', 'visa'].map(boardSubCommand)).toEqual(['show', 'show', 'show']);
  });
});
