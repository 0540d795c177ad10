import { describe, expect, it } from 'vitest';
import {
  crisisPlanRefusal,
  diffVersions,
  emptyCrisisPlan,
  formTextOf,
  mayEditCrisisPlan,
  mayReviewCrisisPlan,
  parseCrisisPlanContent,
  reviewDueAt,
  telHref,
  validateCrisisPlanSection,
  withSection,
  type CrisisPlanReader,
} from '../../src/domain/crisis-plan';

const names = { psychiatricEmergency: 'Psykiatrisk akutmottagning', emergency: '112 – vid fara för liv', healthGuide: '1177 Vårdguiden' };
const member = (overrides: Partial<CrisisPlanReader> = {}): CrisisPlanReader => ({
  removedAt: null, consentRecordedAt: new Date('2026-01-01'), consentWithdrawnAt: null, isCaseManager: false,
  role: 'nurse', principal: 'region', isIndividual: false, crisisPlanAccess: null, ...overrides,
});

describe('crisis plan domain', () => {
  it('tel: links in international form; short numbers as they are; nothing for what is not a number', () => {
    expect(telHref('070-123 45 67')).toBe('tel:+46701234567');
    expect(telHref('+46 (0)8 123 45')).toBe('tel:+46812345');
    expect(telHref('0046 8 123 45')).toBe('tel:+46812345');
    expect(telHref('112')).toBe('tel:112');
    expect(telHref('ring mig')).toBeUndefined();
    expect(telHref('')).toBeUndefined();
  });

  it('reads the demo\'s first shape and tolerates anything missing or malformed', () => {
    const old = parseCrisisPlanContent(JSON.stringify({ warningSigns: { red: ['Slutar äta'] }, selfHelp: ['Ringa Lars'], practical: ['Hunden'], wishes: ['Inte avd 3'], contacts: [{ name: 'Lars', phone: '070' }, 'x'] }));
    expect(old.phases.red.signs).toEqual(['Slutar äta']);
    expect(old.phases.yellow.selfHelp).toEqual(['Ringa Lars']);
    expect(old.practical.other).toBe('Hunden');
    expect(old.wishes.other).toBe('Inte avd 3');
    expect(old.contacts).toEqual([{ name: 'Lars', phone: '070' }]);
    for (const broken of ['', 'null', '[1]', '{"phases":{"red":{"signs":"x"}}}', 'not json']) {
      expect(parseCrisisPlanContent(broken).phases.red.signs).toEqual([]);
    }
  });

  it('validates a section: one item per line, contacts by parts, no personal identity numbers, phones that are phones', () => {
    expect(validateCrisisPlanSection('red', { signs: ' Slutar äta \n\n Sover inte ', selfHelp: '', othersDo: 'Ring Lars' })).toEqual({
      ok: true, values: { signs: ['Slutar äta', 'Sover inte'], selfHelp: [], othersDo: ['Ring Lars'] },
    });
    expect(validateCrisisPlanSection('contacts', { contacts: 'Lars | pappa | 070-123 45 67 | kvällar\nEva | 08-12 34 56' })).toEqual({
      ok: true, values: { contacts: [{ name: 'Lars', relation: 'pappa', phone: '070-123 45 67', whenToCall: 'kvällar' }, { name: 'Eva', phone: '08-12 34 56' }] },
    });
    // Ten digits from 0 are a phone number; written as YYMMDD-NNNN they are not.
    expect(validateCrisisPlanSection('contacts', { contacts: 'Eva | 0701234567' }).ok).toBe(true);
    expect(validateCrisisPlanSection('contacts', { contacts: 'Eva | 850101-1234' })).toMatchObject({ ok: false, fieldErrors: { contacts: 'crisisPlan.error.identityNumber' }, lines: { contacts: 1 } });
    expect(validateCrisisPlanSection('wishes', { whereCared: 'Hemma 19850101-1234', whoToTell: '', other: '' })).toMatchObject({ ok: false, fieldErrors: { whereCared: 'crisisPlan.error.identityNumber' } });
    // The psychiatric emergency a new plan offers may wait for its number.
    expect(validateCrisisPlanSection('professional', { professionalContacts: '', outOfHours: 'Psykiatrisk akutmottagning' }).ok).toBe(true);
    expect(validateCrisisPlanSection('professional', { professionalContacts: 'Mottagningen', outOfHours: '' })).toMatchObject({ ok: false, fieldErrors: { professionalContacts: 'crisisPlan.error.phoneRequired' } });
  });

  it('a section\'s form text reads back as the same section', () => {
    const plan = withSection(emptyCrisisPlan(names), 'contacts', { contacts: [{ name: 'Lars', relation: 'pappa', phone: '070', whenToCall: 'kvällar' }, { name: 'Eva', phone: '08-1' }, { name: 'Kim', phone: '08-2', whenToCall: 'dagtid' }] });
    const text = formTextOf('contacts', plan.contacts);
    expect(text).toBe('Lars | pappa | 070 | kvällar\nEva | 08-1\nKim |  | 08-2 | dagtid');
    expect(validateCrisisPlanSection('contacts', { contacts: text })).toEqual({ ok: true, values: { contacts: plan.contacts } });
  });

  it('what changed: items added and removed, contacts changed by name, texts changed', () => {
    const a = emptyCrisisPlan(names);
    a.phases.red.signs = ['Slutar äta', 'Sover inte'];
    a.contacts = [{ name: 'Lars', phone: '070-1' }];
    const b = withSection(withSection(a, 'red', { ...a.phases.red, signs: ['Sover inte', 'Hör röster'] }), 'contacts', { contacts: [{ name: 'Lars', phone: '070-2' }] });
    b.wishes.whereCared = 'Hemma';
    expect(diffVersions(a, b)).toEqual([
      { section: 'red', added: [{ field: 'signs', text: 'Hör röster' }], removed: [{ field: 'signs', text: 'Slutar äta' }], changed: [] },
      { section: 'contacts', added: [], removed: [], changed: [{ field: 'contacts', text: 'Lars | 070-2', before: 'Lars | 070-1' }] },
      { section: 'wishes', added: [{ field: 'whereCared', text: 'Hemma' }], removed: [], changed: [] },
    ]);
    expect(diffVersions(a, a)).toEqual([]);
  });

  it('who reads, reviews and changes the plan', () => {
    expect(crisisPlanRefusal(member())).toBeUndefined();
    expect(crisisPlanRefusal(member({ role: 'relative', principal: 'private' }))).toBe('no_crisis_plan_access');
    expect(crisisPlanRefusal(member({ role: 'relative', principal: 'private', crisisPlanAccess: true }))).toBeUndefined();
    expect(crisisPlanRefusal(member({ crisisPlanAccess: false }))).toBe('no_crisis_plan_access');
    expect(crisisPlanRefusal(member({ isCaseManager: true, crisisPlanAccess: false }))).toBeUndefined();
    expect(crisisPlanRefusal(member({ role: 'individual', principal: 'private', isIndividual: true }))).toBeUndefined();
    expect(crisisPlanRefusal(member({ consentRecordedAt: null }))).toBe('no_consent');
    expect(crisisPlanRefusal(member({ removedAt: new Date() }))).toBe('not_a_member');
    expect(crisisPlanRefusal(null)).toBe('not_a_member');
    const relative = member({ role: 'relative', principal: 'private', crisisPlanAccess: true });
    expect([mayReviewCrisisPlan(relative), mayEditCrisisPlan(relative)]).toEqual([false, false]);
    const individual = member({ role: 'individual', principal: 'private', isIndividual: true });
    expect([mayReviewCrisisPlan(individual), mayEditCrisisPlan(individual)]).toEqual([false, true]);
    expect([mayReviewCrisisPlan(member()), mayEditCrisisPlan(member())]).toEqual([true, true]);
  });

  it('a review is due the interval after the last review, or after the newest version before the first', () => {
    expect(reviewDueAt({ reviewedAt: new Date('2026-01-15T00:00:00Z'), reviewIntervalMonths: 6 }, new Date('2026-03-01T00:00:00Z'))).toEqual(new Date('2026-07-15T00:00:00Z'));
    expect(reviewDueAt({ reviewedAt: null, reviewIntervalMonths: 6 }, new Date('2026-08-31T00:00:00Z'))).toEqual(new Date('2027-02-28T00:00:00Z'));
    expect(reviewDueAt({ reviewedAt: null, reviewIntervalMonths: 6 }, undefined)).toBeUndefined();
  });
});
