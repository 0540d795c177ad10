import { describe, expect, it } from 'vitest';
import { COMMAND_DEFINITIONS, parseCommand } from '../../src/domain/commands';
import { containsPersonalIdentityNumber, validateGroupSetup } from '../../src/domain/groups';
import { nextAgreementStatus, sortForMine } from '../../src/domain/agreements';
import { progressTrend, type AgreementStatus } from '../../src/domain/plan';
import { resolveLocale } from '../../src/domain/locale';

describe('parseCommand', () => {
  it.each([
    ['hjälp', 'help', ''],
    ['HELP', 'help', ''],
    ['  Hjälp\u00a0 ', 'help', ''],
    ['starta', 'setup', ''],
    ['Setup', 'setup', ''],
    ['nytt mål Eget boende', 'newGoal', 'eget boende'],
    ['new goal', 'newGoal', ''],
    ['överenskommelse', 'agreement', ''],
    ['crisis plan', 'crisisPlan', ''],
    ['krisplan', 'crisisPlan', ''],
    ['uppföljning', 'followUp', ''],
    ['follow-up', 'followUp', ''],
    ['tavla', 'board', ''],
    ['logg', 'log', ''],
    ['mina', 'mine', ''],
    ['medlemmar', 'members', ''],
    ['plan', 'plan', ''],
  ])('%s → %s', (text, id, args) => {
    expect(parseCommand(text)).toEqual({ kind: 'command', id, args });
  });

  it('does not take a word that merely starts with a command', () => {
    expect(parseCommand('planering')).toEqual({ kind: 'unknown' });
    expect(parseCommand('hjälpsam')).toEqual({ kind: 'unknown' });
  });

  it('tells empty text from unknown text', () => {
    expect(parseCommand('   ')).toEqual({ kind: 'empty' });
    expect(parseCommand(undefined)).toEqual({ kind: 'empty' });
    expect(parseCommand('vad är detta')).toEqual({ kind: 'unknown' });
  });

  it('knows every command in both languages', () => {
    for (const command of COMMAND_DEFINITIONS) {
      expect(parseCommand(command.sv)).toMatchObject({ id: command.id });
      expect(parseCommand(command.en)).toMatchObject({ id: command.id });
    }
  });
});

describe('resolveLocale', () => {
  it('answers English only to an English client and Swedish when in doubt', () => {
    expect(resolveLocale('en-US')).toBe('en');
    expect(resolveLocale('EN-gb')).toBe('en');
    expect(resolveLocale('sv-SE')).toBe('sv');
    expect(resolveLocale('fi-FI')).toBe('sv');
    expect(resolveLocale(undefined)).toBe('sv');
    expect(resolveLocale('')).toBe('sv');
  });
});

describe('group set-up validation', () => {
  const roster = ['29:sara', '29:anna'];

  it.each(['850101-1234', '19850101-1234', '198501011234', 'K 850101+1234', '8501011234'])('finds an identity number in %s', (text) => {
    expect(containsPersonalIdentityNumber(text)).toBe(true);
  });

  it.each(['K.L.', 'Kalle', 'Rum 12', '2026'])('accepts %s as an alias', (alias) => {
    expect(validateGroupSetup({ alias, model: 'FACT', caseManager: '29:sara' }, roster)).toMatchObject({ ok: true });
  });

  it('accepts a valid form and trims it', () => {
    expect(validateGroupSetup({ alias: ' K.L. ', model: 'IP', caseManager: '29:anna', locale: 'en' }, roster)).toEqual({
      ok: true,
      value: { individualAlias: 'K.L.', caseManagementModel: 'IP', caseManagerUserId: '29:anna', locale: 'en' },
    });
  });

  it('names every wrong field', () => {
    expect(validateGroupSetup({ alias: '', model: 'NOPE', caseManager: '29:mallory', locale: 'de' }, roster)).toEqual({
      ok: false,
      fieldErrors: {
        alias: 'setup.error.aliasRequired',
        model: 'setup.error.modelRequired',
        caseManager: 'setup.error.caseManagerRequired',
        locale: 'setup.error.localeInvalid',
      },
    });
  });

  it('refuses wrong types, long text and identity numbers', () => {
    expect(validateGroupSetup({ alias: 42, model: ['FACT'], caseManager: { id: '29:sara' } }, roster)).toMatchObject({
      ok: false,
      fieldErrors: { alias: 'setup.error.aliasRequired', model: 'setup.error.modelRequired', caseManager: 'setup.error.caseManagerRequired' },
    });
    expect(validateGroupSetup({ alias: 'x'.repeat(10_000), model: 'FACT', caseManager: '29:sara' }, roster)).toMatchObject({
      ok: false,
      fieldErrors: { alias: 'setup.error.aliasTooLong' },
    });
    expect(validateGroupSetup({ alias: 'KL 19850101-1234', model: 'FACT', caseManager: '29:sara' }, roster)).toMatchObject({
      ok: false,
      fieldErrors: { alias: 'setup.error.aliasIdentityNumber' },
    });
  });
});

describe('progressTrend', () => {
  it('shows the latest ratings with their direction', () => {
    expect(progressTrend([2, 4, 6])).toEqual({ values: '2 → 4 → 6', direction: 'up' });
    expect(progressTrend([8, 3])).toMatchObject({ direction: 'down' });
    expect(progressTrend([5, 5])).toMatchObject({ direction: 'flat' });
  });

  it('is no trend for one rating or none', () => {
    expect(progressTrend([4])).toMatchObject({ direction: 'none', values: '4' });
    expect(progressTrend([])).toEqual({ values: '', direction: 'none' });
  });

  it('keeps to the latest six ratings', () => {
    const trend = progressTrend([0, 10, 1, 2, 3, 4, 5, 6]);
    expect(trend.values).toBe('1 → 2 → 3 → 4 → 5 → 6');
    expect(trend.direction).toBe('up');
  });
});

describe('nextAgreementStatus', () => {
  const due = new Date('2026-12-01T00:00:00Z');
  const at = (status: AgreementStatus) => ({ status, responsibleMemberId: 'm1', dueDate: due });

  it('moves through accept, done, can\'t and cancel', () => {
    expect(nextAgreementStatus(at('proposed'), { kind: 'accepted' })).toBe('accepted');
    expect(nextAgreementStatus(at('accepted'), { kind: 'done' })).toBe('done');
    expect(nextAgreementStatus(at('accepted'), { kind: 'declined', reason: 'x' })).toBe('declined');
    expect(nextAgreementStatus(at('declined'), { kind: 'done' })).toBe('done');
    expect(nextAgreementStatus(at('declined'), { kind: 'cancelled' })).toBe('cancelled');
  });

  it('repeating what is already so changes nothing', () => {
    expect(nextAgreementStatus(at('done'), { kind: 'done' })).toBe('unchanged');
    expect(nextAgreementStatus(at('accepted'), { kind: 'due_date_changed', dueDate: new Date(due) })).toBe('unchanged');
    expect(nextAgreementStatus(at('accepted'), { kind: 'reassigned', responsibleMemberId: 'm1' })).toBe('unchanged');
  });

  it('a new date keeps the status; a new person must commit again', () => {
    expect(nextAgreementStatus(at('accepted'), { kind: 'due_date_changed', dueDate: new Date('2026-12-05T00:00:00Z') })).toBe('accepted');
    expect(nextAgreementStatus(at('accepted'), { kind: 'reassigned', responsibleMemberId: 'm2' })).toBe('proposed');
  });

  it('a finished agreement takes no change', () => {
    for (const finished of ['done', 'cancelled'] as const) {
      expect(nextAgreementStatus(at(finished), { kind: 'accepted' })).toBe('not_allowed');
      expect(nextAgreementStatus(at(finished), { kind: 'reassigned', responsibleMemberId: 'm2' })).toBe('not_allowed');
    }
  });
});

describe('sortForMine', () => {
  it('puts overdue agreements first, oldest due first, then by due date', () => {
    const today = new Date('2026-11-23T00:00:00Z');
    const day = (d: string) => ({ id: d, dueDate: new Date(`${d}T00:00:00Z`) });
    const sorted = sortForMine([day('2026-12-01'), day('2026-11-20'), day('2026-11-24'), day('2026-11-01')], today);
    expect(sorted.map((a) => [a.id, a.overdue])).toEqual([
      ['2026-11-01', true],
      ['2026-11-20', true],
      ['2026-11-24', false],
      ['2026-12-01', false],
    ]);
  });
});
