/**
 * The crisis plan (krisplan): its content in the individual's own words, following the signaleringsplan
 * phases (green: how I am when I am well; yellow: first signs; red: crisis) and the steps of the
 * Stanley–Brown safety plan (what I can do myself, what others should do, people and professionals to
 * call). Pure rules: the content model, reading stored content, validating a section's form, what
 * changed between versions, who may read it, when a review is due. No database, no Teams.
 */
import { containsPersonalIdentityNumber } from './groups';
import { hasConsent, type MemberAccessFacts } from './members';
import { textField } from './forms';
import type { FieldErrors } from './errors';

export const PHASES = ['green', 'yellow', 'red'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseContent {
  signs: string[];
  /** What I can do myself. */
  selfHelp: string[];
  /** What others should do. */
  othersDo: string[];
}

/** A person or service to call. `relation` and `whenToCall` for relatives and friends; `hours` for services. */
export interface Contact {
  name: string;
  relation?: string;
  phone: string;
  whenToCall?: string;
  hours?: string;
}

export interface CrisisPlanContent {
  phases: Record<Phase, PhaseContent>;
  whatHelps: string[];
  avoid: string[];
  triggers: string[];
  /** Relatives and friends. */
  contacts: Contact[];
  professionalContacts: Contact[];
  outOfHours: Contact[];
  /** `medication` includes agreed changes of dose; `other` holds what fits none of the others. */
  practical: { children: string; pets: string; keys: string; medication: string; other: string };
  wishes: { whereCared: string; whoToTell: string; other: string };
}

/** The parts of the plan that are edited (and opened) one at a time. */
export const CRISIS_PLAN_SECTIONS = ['green', 'yellow', 'red', 'helps', 'contacts', 'professional', 'practical', 'wishes'] as const;
export type CrisisPlanSection = (typeof CRISIS_PLAN_SECTIONS)[number];

/** The form fields of each section, in the order the form shows them. */
export const SECTION_FIELDS = {
  green: ['signs', 'selfHelp', 'othersDo'],
  yellow: ['signs', 'selfHelp', 'othersDo'],
  red: ['signs', 'selfHelp', 'othersDo'],
  helps: ['whatHelps', 'avoid', 'triggers'],
  contacts: ['contacts'],
  professional: ['professionalContacts', 'outOfHours'],
  practical: ['children', 'pets', 'keys', 'medication', 'other'],
  wishes: ['whereCared', 'whoToTell', 'other'],
} as const satisfies Record<CrisisPlanSection, readonly string[]>;
export type SectionField = (typeof SECTION_FIELDS)[CrisisPlanSection][number];

/** Fields typed one item per line. */
const LIST_FIELDS = new Set<string>(['signs', 'selfHelp', 'othersDo', 'whatHelps', 'avoid', 'triggers']);
/** Fields typed one contact per line, its parts separated by `|`. */
const CONTACT_FIELDS = new Set<string>(['contacts', 'professionalContacts', 'outOfHours']);

/**
 * Limits that keep every view and form of a section inside the card budget even with three-byte
 * characters throughout (see src/cards/budget.ts), while leaving room for 200 contacts.
 */
export const CRISIS_PLAN_LIMITS = {
  listItems: 25,
  itemLength: 200,
  /** Per contact list: how many, and how much text the form's field holds. */
  contacts: { contacts: { count: 200, text: 20_000 }, professionalContacts: { count: 80, text: 8_000 }, outOfHours: { count: 40, text: 4_000 } },
  contactNameLength: 80,
  contactNoteLength: 120,
  phoneLength: 30,
  textLength: 1000,
} as const;

type ContactField = keyof typeof CRISIS_PLAN_LIMITS.contacts;

/** The maxLength a form's input for this field gets (the server checks the same limits). */
export function fieldMaxLength(field: SectionField): number {
  if (CONTACT_FIELDS.has(field)) return CRISIS_PLAN_LIMITS.contacts[field as ContactField].text;
  if (LIST_FIELDS.has(field)) return CRISIS_PLAN_LIMITS.listItems * (CRISIS_PLAN_LIMITS.itemLength + 1);
  return CRISIS_PLAN_LIMITS.textLength;
}

/** How a field is typed in its form. */
export function fieldKind(field: SectionField): 'list' | 'contacts' | 'text' {
  return CONTACT_FIELDS.has(field) ? 'contacts' : LIST_FIELDS.has(field) ? 'list' : 'text';
}

const emptyPhase = (): PhaseContent => ({ signs: [], selfHelp: [], othersDo: [] });

/**
 * A plan with nothing written yet, offering the out-of-hours contacts every plan needs (the names in
 * the group's language; the psychiatric emergency's number is left for the group to fill in).
 *
 * @example
 *   emptyCrisisPlan({ psychiatricEmergency: 'Psykiatrisk akutmottagning', emergency: '112 – vid fara för liv', healthGuide: '1177 Vårdguiden' })
 */
export function emptyCrisisPlan(defaultNames: { psychiatricEmergency: string; emergency: string; healthGuide: string }): CrisisPlanContent {
  return {
    phases: { green: emptyPhase(), yellow: emptyPhase(), red: emptyPhase() },
    whatHelps: [],
    avoid: [],
    triggers: [],
    contacts: [],
    professionalContacts: [],
    outOfHours: [
      { name: defaultNames.psychiatricEmergency, phone: '' },
      { name: defaultNames.emergency, phone: '112' },
      { name: defaultNames.healthGuide, phone: '1177' },
    ],
    practical: { children: '', pets: '', keys: '', medication: '', other: '' },
    wishes: { whereCared: '', whoToTell: '', other: '' },
  };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? strings(value).join('\n') : '');
const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

function contactsOf(value: unknown): Contact[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const c = record(entry);
    const name = text(c.name) || text(c.role);
    if (!name && !text(c.phone)) return [];
    const contact: Contact = { name, phone: text(c.phone) };
    for (const key of ['relation', 'whenToCall', 'hours'] as const) if (text(c[key])) contact[key] = text(c[key]);
    return [contact];
  });
}

/**
 * Whether a stored version's content is a plan at all (a JSON object), as the bot writes it. A version
 * that is not (written by something else, damaged) is never built on: a save on top of it would turn
 * the whole plan into that one section.
 */
export function isReadableCrisisPlanContent(json: string | null | undefined): boolean {
  if (json === null || json === undefined) return false;
  try {
    const parsed: unknown = JSON.parse(json);
    return Boolean(parsed) && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/**
 * The stored JSON of a version as content, whatever is missing (an unreadable one reads as empty:
 * check isReadableCrisisPlanContent before building on it). Also reads the first shape the demo stored (warningSigns by phase, selfHelp, practical and
 * wishes as lists), so a plan saved in it opens and is saved in this shape from its next change.
 *
 * @example
 *   parseCrisisPlanContent('{"phases":{"red":{"signs":["Slutar äta"]}}}').phases.red.signs // ['Slutar äta']
 */
export function parseCrisisPlanContent(json: string | null | undefined): CrisisPlanContent {
  let raw: Record<string, unknown> = {};
  try {
    raw = record(JSON.parse(json ?? '{}'));
  } catch {
    raw = {};
  }
  const phases = record(raw.phases);
  const oldSigns = record(raw.warningSigns);
  const phase = (name: Phase): PhaseContent => {
    const p = record(phases[name]);
    return {
      signs: strings(p.signs).length > 0 ? strings(p.signs) : strings(oldSigns[name]),
      // The old shape had one self-help list: it belongs to the first signs, where it is used.
      selfHelp: strings(p.selfHelp).length > 0 || name !== 'yellow' ? strings(p.selfHelp) : strings(raw.selfHelp),
      othersDo: strings(p.othersDo),
    };
  };
  const practical = record(raw.practical);
  const wishes = record(raw.wishes);
  return {
    phases: { green: phase('green'), yellow: phase('yellow'), red: phase('red') },
    whatHelps: strings(raw.whatHelps),
    avoid: strings(raw.avoid),
    triggers: strings(raw.triggers),
    contacts: contactsOf(raw.contacts),
    professionalContacts: contactsOf(raw.professionalContacts),
    outOfHours: contactsOf(raw.outOfHours),
    practical: {
      children: text(practical.children),
      pets: text(practical.pets),
      keys: text(practical.keys),
      medication: text(practical.medication),
      other: text(practical.other) || (Array.isArray(raw.practical) ? text(raw.practical) : ''),
    },
    wishes: {
      whereCared: text(wishes.whereCared),
      whoToTell: text(wishes.whoToTell),
      other: text(wishes.other) || (Array.isArray(raw.wishes) ? text(raw.wishes) : ''),
    },
  };
}

/** The content as stored (JSON). */
export function serializeCrisisPlanContent(content: CrisisPlanContent): string {
  return JSON.stringify(content);
}

/** The value of one field of a section, as the domain holds it. */
export type FieldValue = string[] | Contact[] | string;

/** The fields of one section of a plan, by field name. */
export function sectionValues(content: CrisisPlanContent, section: CrisisPlanSection): Record<string, FieldValue> {
  switch (section) {
    case 'green':
    case 'yellow':
    case 'red':
      return { ...content.phases[section] };
    case 'helps':
      return { whatHelps: content.whatHelps, avoid: content.avoid, triggers: content.triggers };
    case 'contacts':
      return { contacts: content.contacts };
    case 'professional':
      return { professionalContacts: content.professionalContacts, outOfHours: content.outOfHours };
    case 'practical':
      return { ...content.practical };
    case 'wishes':
      return { ...content.wishes };
  }
}

/** The plan with one section replaced. */
export function withSection(content: CrisisPlanContent, section: CrisisPlanSection, values: Record<string, FieldValue>): CrisisPlanContent {
  const next: CrisisPlanContent = structuredClone(content);
  switch (section) {
    case 'green':
    case 'yellow':
    case 'red':
      next.phases[section] = values as unknown as PhaseContent;
      break;
    case 'helps':
      Object.assign(next, { whatHelps: values.whatHelps, avoid: values.avoid, triggers: values.triggers });
      break;
    case 'contacts':
      next.contacts = values.contacts as Contact[];
      break;
    case 'professional':
      Object.assign(next, { professionalContacts: values.professionalContacts, outOfHours: values.outOfHours });
      break;
    case 'practical':
      next.practical = values as unknown as CrisisPlanContent['practical'];
      break;
    case 'wishes':
      next.wishes = values as unknown as CrisisPlanContent['wishes'];
      break;
  }
  return next;
}

/**
 * How a contact is written in its form's text: `name | relation | phone | when to call` for relatives
 * and friends, `name or role | phone | hours` for services.
 */
export function contactLine(contact: Contact, field: ContactField): string {
  // Name and phone alone are written as two parts, which the form reads back as such (see checkContacts).
  const relative = contact.relation || contact.whenToCall ? [contact.name, contact.relation ?? '', contact.phone, contact.whenToCall ?? ''] : [contact.name, contact.phone];
  const parts = field === 'contacts' ? relative : [contact.name, contact.phone, contact.hours ?? ''];
  while (parts.length > 2 && parts[parts.length - 1] === '') parts.pop();
  return parts.join(' | ');
}

/** A field's value as its form shows it: one item (or contact) per line. */
export function formTextOf(field: SectionField, value: FieldValue): string {
  if (typeof value === 'string') return value;
  if (fieldKind(field) === 'contacts') return (value as Contact[]).map((c) => contactLine(c, field as 'contacts')).join('\n');
  return (value as string[]).join('\n');
}

/** Digits, spaces, +, -, parentheses: how people write phone numbers, and nothing else. */
const PHONE_SHAPE = /^\+?[\d\s()-]+$/;

/**
 * Whether a phone number is written as a personal identity number (YYMMDD-NNNN, YYYYMMDD-NNNN): a
 * separator after six or eight digits, or twelve digits starting with 19 or 20. Swedish phone numbers
 * start with 0 or +, so ten digits from 0 (0701234567) are a phone number, not a birth date.
 */
function phoneLooksLikeIdentityNumber(phone: string): boolean {
  const compact = phone.replace(/\s/g, '');
  if (/^(\d{2})?\d{6}[-+]\d{4}$/.test(compact)) return true;
  if (/^(19|20)\d{10}$/.test(compact)) return true;
  return !/^[0+]/.test(compact) && containsPersonalIdentityNumber(phone);
}

/**
 * Whether a text looks like a phone number: digits, spaces, +, -, parentheses, with 3 to 15 digits.
 *
 * @example
 *   isPhoneNumber('070-123 45 67') // true
 *   isPhoneNumber('ring mig')      // false
 */
export function isPhoneNumber(phone: string): boolean {
  const digits = phone.replace(/\D/g, '').length;
  return PHONE_SHAPE.test(phone.trim()) && digits >= 3 && digits <= 15;
}

/**
 * The `tel:` link of a phone number, in international form for Swedish numbers (0… → +46…), or
 * undefined when the text is not a phone number. Short numbers (112, 1177) stay as they are.
 *
 * @example
 *   telHref('070-123 45 67') // 'tel:+46701234567'
 *   telHref('112')           // 'tel:112'
 *   telHref('+46 8 123 45')  // 'tel:+46812345'
 */
export function telHref(phone: string): string | undefined {
  if (!isPhoneNumber(phone)) return undefined;
  // "+46 (0)8 …": the bracketed 0 is dialled only from within the country.
  const trimmed = phone.trim().replace(/^(\+\d+)\s*\(0\)/, '$1');
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) return `tel:+${digits}`;
  if (digits.startsWith('00')) return `tel:+${digits.slice(2)}`;
  if (digits.startsWith('0')) return `tel:+46${digits.slice(1)}`;
  return `tel:${digits}`;
}

/** The result of validating a section's form: its values, or a message key (and the line) per wrong field. */
export type SectionValidation =
  | { ok: true; values: Record<string, FieldValue> }
  | { ok: false; fieldErrors: FieldErrors; lines: Record<string, number> };

/** The non-empty lines of a text area, trimmed. */
function linesOf(value: unknown): string[] {
  return textField(value)
    .split(/\r?\n/)
    .map((line) => textField(line))
    .filter((line) => line !== '');
}

/** A problem with a field: the message key, and the (1-based) line it is on, when it is about one line. */
type Problem = { key: string; line?: number };

function checkList(value: unknown): { value: string[] } | Problem {
  const raw = textField(value);
  if (raw.length > fieldMaxLength('signs')) return { key: 'crisisPlan.error.tooLong' };
  if (containsPersonalIdentityNumber(raw)) return { key: 'crisisPlan.error.identityNumber' };
  const items = linesOf(raw);
  if (items.length > CRISIS_PLAN_LIMITS.listItems) return { key: 'crisisPlan.error.tooManyItems' };
  const long = items.findIndex((item) => item.length > CRISIS_PLAN_LIMITS.itemLength);
  if (long >= 0) return { key: 'crisisPlan.error.itemTooLong', line: long + 1 };
  return { value: items };
}

function checkText(value: unknown): { value: string } | Problem {
  const raw = textField(value);
  if (raw.length > CRISIS_PLAN_LIMITS.textLength) return { key: 'crisisPlan.error.textTooLong' };
  if (containsPersonalIdentityNumber(raw)) return { key: 'crisisPlan.error.identityNumber' };
  return { value: raw };
}

function checkContacts(value: unknown, field: ContactField): { value: Contact[] } | Problem {
  const raw = textField(value);
  const limits = CRISIS_PLAN_LIMITS.contacts[field];
  if (raw.length > limits.text) return { key: 'crisisPlan.error.tooLong' };
  const lines = linesOf(raw);
  if (lines.length > limits.count) return { key: 'crisisPlan.error.tooManyContacts' };
  const contacts: Contact[] = [];
  for (const [index, line] of lines.entries()) {
    const at = (key: string): Problem => ({ key, line: index + 1 });
    const parts = line.split('|').map((p) => p.trim());
    // Relatives: name | relation | phone | when; name | phone is enough. Services: name | phone | hours.
    let contact: Contact;
    if (field === 'contacts') {
      if (parts.length > 4) return at('crisisPlan.error.contactParts');
      const [name = '', second = '', third = '', fourth = ''] = parts;
      contact = parts.length <= 2 ? { name, phone: second } : { name, relation: second || undefined, phone: third, whenToCall: fourth || undefined };
    } else {
      if (parts.length > 3) return at('crisisPlan.error.serviceParts');
      const [name = '', phone = '', hours = ''] = parts;
      contact = { name, phone, hours: hours || undefined };
    }
    if (contact.name === '') return at('crisisPlan.error.contactName');
    if (contact.name.length > CRISIS_PLAN_LIMITS.contactNameLength) return at('crisisPlan.error.contactNameTooLong');
    for (const note of [contact.relation, contact.whenToCall, contact.hours]) {
      if (note && note.length > CRISIS_PLAN_LIMITS.contactNoteLength) return at('crisisPlan.error.contactNoteTooLong');
    }
    if (phoneLooksLikeIdentityNumber(contact.phone)) return at('crisisPlan.error.identityNumber');
    if ([contact.name, contact.relation, contact.whenToCall, contact.hours].some((t) => t && containsPersonalIdentityNumber(t))) return at('crisisPlan.error.identityNumber');
    // An out-of-hours service may wait for its number (the psychiatric emergency a new plan offers).
    if (contact.phone === '' && field !== 'outOfHours') return at('crisisPlan.error.phoneRequired');
    if (contact.phone !== '' && (contact.phone.length > CRISIS_PLAN_LIMITS.phoneLength || !isPhoneNumber(contact.phone))) return at('crisisPlan.error.phoneInvalid');
    for (const key of ['relation', 'whenToCall', 'hours'] as const) if (contact[key] === undefined) delete contact[key];
    contacts.push(contact);
  }
  return { value: contacts };
}

/**
 * Validates the submitted form of one section: lists one item per line, contacts one per line (parts
 * separated by `|`), length limits, phone numbers that look like phone numbers, and nothing anywhere
 * that looks like a personal identity number.
 *
 * @example
 *   validateCrisisPlanSection('red', { signs: 'Slutar äta\nSover inte', selfHelp: '', othersDo: 'Ring Lars' })
 *   // { ok: true, values: { signs: ['Slutar äta', 'Sover inte'], selfHelp: [], othersDo: ['Ring Lars'] } }
 */
export function validateCrisisPlanSection(section: CrisisPlanSection, data: Record<string, unknown>): SectionValidation {
  const values: Record<string, FieldValue> = {};
  const fieldErrors: FieldErrors = {};
  const lines: Record<string, number> = {};
  for (const field of SECTION_FIELDS[section] as readonly SectionField[]) {
    const kind = fieldKind(field);
    const checked = kind === 'contacts' ? checkContacts(data[field], field as ContactField) : kind === 'list' ? checkList(data[field]) : checkText(data[field]);
    if ('key' in checked) {
      fieldErrors[field] = checked.key;
      if (checked.line) lines[field] = checked.line;
    } else {
      values[field] = checked.value;
    }
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors, lines };
  return { ok: true, values };
}

/** Whether two contents are the same (a save that changes nothing makes no version). */
export function sameContent(a: CrisisPlanContent, b: CrisisPlanContent): boolean {
  return serializeCrisisPlanContent(a) === serializeCrisisPlanContent(b);
}

/** One line of what changed: the field it is in, its text, and for a changed entry the text before. */
export interface DiffLine {
  field: SectionField;
  text: string;
  before?: string;
}

export interface SectionDiff {
  section: CrisisPlanSection;
  added: DiffLine[];
  removed: DiffLine[];
  changed: DiffLine[];
}

/**
 * What changed from version `a` to version `b`, per section (only sections that changed): items added
 * and removed from lists, contacts added, removed or changed (matched by name), texts changed.
 *
 * @example
 *   diffVersions(before, after) // [{ section: 'red', added: [{ field: 'signs', text: 'Slutar äta' }], removed: [], changed: [] }]
 */
export function diffVersions(a: CrisisPlanContent, b: CrisisPlanContent): SectionDiff[] {
  const diffs: SectionDiff[] = [];
  for (const section of CRISIS_PLAN_SECTIONS) {
    const before = sectionValues(a, section);
    const after = sectionValues(b, section);
    const diff: SectionDiff = { section, added: [], removed: [], changed: [] };
    for (const field of SECTION_FIELDS[section] as readonly SectionField[]) {
      const kind = fieldKind(field);
      if (kind === 'text') {
        const [x, y] = [before[field] as string, after[field] as string];
        if (x === y) continue;
        if (!x) diff.added.push({ field, text: y });
        else if (!y) diff.removed.push({ field, text: x });
        else diff.changed.push({ field, text: y, before: x });
      } else if (kind === 'list') {
        const remaining = [...(after[field] as string[])];
        for (const item of before[field] as string[]) {
          const at = remaining.indexOf(item);
          if (at >= 0) remaining.splice(at, 1);
          else diff.removed.push({ field, text: item });
        }
        for (const item of remaining) diff.added.push({ field, text: item });
      } else {
        const line = (c: Contact) => contactLine(c, field as 'contacts');
        const remaining = [...(after[field] as Contact[])];
        for (const contact of before[field] as Contact[]) {
          const same = remaining.findIndex((c) => line(c) === line(contact));
          if (same >= 0) {
            remaining.splice(same, 1);
            continue;
          }
          const renamed = remaining.findIndex((c) => c.name === contact.name);
          if (renamed >= 0) diff.changed.push({ field, text: line(remaining.splice(renamed, 1)[0]!), before: line(contact) });
          else diff.removed.push({ field, text: line(contact) });
        }
        for (const contact of remaining) diff.added.push({ field, text: line(contact) });
      }
    }
    if (diff.added.length + diff.removed.length + diff.changed.length > 0) diffs.push(diff);
  }
  return diffs;
}

/** What reading the crisis plan depends on: membership, consent, role and the individual's choice. */
export interface CrisisPlanReader extends MemberAccessFacts {
  role: string;
  principal: string;
  isIndividual: boolean;
  crisisPlanAccess: boolean | null;
}

/**
 * Whether a member reads the crisis plan when the individual has made no choice for them: everyone but
 * relatives and other private persons (the individual themselves included).
 */
export function crisisPlanAccessByDefault(member: Pick<CrisisPlanReader, 'role' | 'principal' | 'isIndividual'>): boolean {
  if (member.isIndividual || member.role === 'individual') return true;
  return member.role !== 'relative' && member.principal !== 'private';
}

/**
 * Why a member may not read the crisis plan, or undefined when they may: a current member with
 * consent, and either the case manager (always), or chosen by the individual (crisisPlanAccess true),
 * or, with no choice made, someone whose role reads it by default (see crisisPlanAccessByDefault).
 *
 * @example
 *   crisisPlanRefusal({ ...relative, crisisPlanAccess: null }) // 'no_crisis_plan_access'
 */
export function crisisPlanRefusal(member: CrisisPlanReader | null): 'not_a_member' | 'no_consent' | 'no_crisis_plan_access' | undefined {
  if (!member || member.removedAt) return 'not_a_member';
  if (!hasConsent(member)) return 'no_consent';
  if (member.isCaseManager) return undefined;
  const allowed = member.crisisPlanAccess ?? crisisPlanAccessByDefault(member);
  return allowed ? undefined : 'no_crisis_plan_access';
}

/**
 * Whether a member may read the crisis plan (see crisisPlanRefusal).
 *
 * @example
 *   mayReadCrisisPlan(caseManager) // true
 */
export function mayReadCrisisPlan(member: CrisisPlanReader | null): boolean {
  return crisisPlanRefusal(member) === undefined;
}

/**
 * Whether a reader may mark the plan as reviewed: the case manager and the professionals (not relatives
 * or other private persons, who may have been given the plan to read).
 */
export function mayReviewCrisisPlan(member: CrisisPlanReader): boolean {
  if (!mayReadCrisisPlan(member)) return false;
  return member.isCaseManager || (!member.isIndividual && member.role !== 'relative' && member.role !== 'individual' && member.principal !== 'private');
}

/** Whether a reader may change the plan: those who review it, and the individual, whose words it holds. */
export function mayEditCrisisPlan(member: CrisisPlanReader): boolean {
  return mayReviewCrisisPlan(member) || (mayReadCrisisPlan(member) && (member.isIndividual || member.role === 'individual'));
}

/**
 * When the next review is due: the last review (or, before the first, the newest version) plus the
 * review interval. Undefined for a plan with nothing written yet.
 *
 * @example
 *   reviewDueAt({ reviewedAt: new Date('2026-01-15'), reviewIntervalMonths: 6 }, undefined) // 2026-07-15
 */
export function reviewDueAt(plan: { reviewedAt: Date | null; reviewIntervalMonths: number }, newestVersionAt: Date | undefined): Date | undefined {
  const from = plan.reviewedAt ?? newestVersionAt;
  if (!from) return undefined;
  const due = new Date(from);
  const day = due.getUTCDate();
  due.setUTCMonth(due.getUTCMonth() + plan.reviewIntervalMonths, 1);
  // The same day of the month, or the month's last day (31 Aug + 6 months is 28/29 Feb).
  const lastDay = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 1, 0)).getUTCDate();
  due.setUTCDate(Math.min(day, lastDay));
  return due;
}
