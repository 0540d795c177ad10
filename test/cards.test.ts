import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupSetupFormCard, groupSummaryCard } from '../src/cards/groups';
import { helpCard } from '../src/cards/help';
import { errorCard, notAvailableCard, unknownCommandCard, welcomeCard } from '../src/cards/notice';
import { CARD_NAMES, CARD_TEMPLATES_DIR, type AdaptiveCardJson } from '../src/cards/render';
import { COMMAND_DEFINITIONS } from '../src/domain/commands';
import { ERROR_CODES } from '../src/domain/errors';
import { LOCALES } from '../src/domain/locale';
import { silentLogger } from '../src/logger';
import { createFeatures } from '../src/teams/app';
import { adaptiveCardErrors } from './support/cards';
import { cardText } from './support/fake-connector';

const people = [
  { id: '29:sara', name: 'Sara Lind' },
  { id: '29:anna', name: 'Anna Berg' },
];

/** Every card the bot renders, with sample data, per locale. */
function sampleCards(locale: (typeof LOCALES)[number]): Record<string, AdaptiveCardJson> {
  return {
    helpWithoutGroup: helpCard(locale, null),
    helpWithGroup: helpCard(locale, { alias: 'K.L.', model: 'FACT' }),
    notice: welcomeCard(locale),
    unknown: unknownCommandCard(locale),
    notAvailable: notAvailableCard(locale, COMMAND_DEFINITIONS.find((c) => c.id === 'plan')!),
    ...Object.fromEntries(ERROR_CODES.map((code) => [`error.${code}`, errorCard(locale, code)])),
    setupForm: groupSetupFormCard(locale, people, { caseManager: '29:sara' }),
    setupFormWithErrors: groupSetupFormCard(locale, people, { alias: '19850101-1234', model: 'X' }, {
      alias: 'setup.error.aliasIdentityNumber',
      model: 'setup.error.modelRequired',
      caseManager: 'setup.error.caseManagerRequired',
    }),
    summaryCreated: groupSummaryCard(locale, { alias: 'K.L.', model: 'IP', caseManagerName: 'Sara Lind' }, 'created'),
    summaryExists: groupSummaryCard(locale, { alias: 'K.L.', model: 'STRENGTHS', caseManagerName: 'Sara Lind' }, 'exists'),
  };
}

describe('cards', () => {
  for (const locale of LOCALES) {
    for (const [name, card] of Object.entries(sampleCards(locale))) {
      it(`${name} (${locale}) is a valid Adaptive Card 1.5`, () => {
        expect(adaptiveCardErrors(card)).toEqual([]);
      });
    }
  }

  it('every template in cards/ is known to the renderer and used by a sample', () => {
    const files = readdirSync(CARD_TEMPLATES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...CARD_NAMES].sort());
  });

  it('the help card lists every command, Swedish first with its English alias, in both locales', () => {
    const sv = cardText(helpCard('sv', null));
    const en = cardText(helpCard('en', null));
    for (const command of COMMAND_DEFINITIONS) {
      expect(sv).toContain(`**${command.sv}** · ${command.en}`);
      expect(en).toContain(`**${command.sv}** · ${command.en}`);
    }
    expect(sv).toContain('Så här använder du Resursgrupp');
    expect(sv).toContain('(kommer snart)');
    expect(en).toContain('How to use Resursgrupp');
    expect(en).toContain('(coming soon)');
  });

  it('shows text typed by users literally: no template evaluation, no markdown', () => {
    const alias = '${$root} **x** ${string(1)}';
    const card = groupSummaryCard('sv', { alias, model: 'FACT', caseManagerName: '${strings.title}' }, 'created');
    expect(adaptiveCardErrors(card, { literalUserText: alias }).filter((e) => !e.includes('${'))).toEqual([]);
    const runs = JSON.stringify(card);
    expect(runs).toContain(JSON.stringify({ type: 'TextRun', text: alias }));
    expect(runs).toContain(JSON.stringify({ type: 'TextRun', text: '${strings.title}' }));
    // User text sits only in TextRuns (never markdown) and the rest of the card is untouched.
    expect(cardText(card)).toContain('Resursgruppen är startad');

    const help = helpCard('en', { alias, model: 'ACT' });
    expect(JSON.stringify(help)).toContain(JSON.stringify({ type: 'TextRun', text: alias, weight: 'Bolder' }));
  });

  it('refills the set-up form and shows each field error next to its field', () => {
    const card = groupSetupFormCard('en', people, { alias: 'K.L. 850101-1234', model: 'FACT' }, { alias: 'setup.error.aliasIdentityNumber' });
    const body = card.body as Array<Record<string, unknown>>;
    const aliasIndex = body.findIndex((e) => e.id === 'alias');
    expect(body[aliasIndex]?.value).toBe('K.L. 850101-1234');
    expect(body[aliasIndex + 1]?.text).toBe('The alias looks like it contains a personal identity number. Use initials or an alias instead.');
    expect(cardText(card)).toContain('Something needs correcting before the group can be set up.');
    expect(cardText(card)).not.toContain('Choose a model.\n');
  });
});

describe('card action verbs', () => {
  const deps = { db: {} as never, config: { defaultTimeZone: 'Europe/Stockholm', localMode: true }, logger: silentLogger, now: () => new Date() };
  const handledVerbs = createFeatures(deps).flatMap((feature) => Object.keys(feature.actions ?? {}));

  function verbsIn(node: unknown, found: Set<string> = new Set()): Set<string> {
    if (Array.isArray(node)) node.forEach((n) => verbsIn(n, found));
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (typeof obj.verb === 'string') found.add(obj.verb);
      Object.values(obj).forEach((v) => verbsIn(v, found));
    }
    return found;
  }

  const templateVerbs = new Set<string>();
  for (const name of CARD_NAMES) {
    verbsIn(JSON.parse(readFileSync(path.join(CARD_TEMPLATES_DIR, `${name}.json`), 'utf8')), templateVerbs);
  }

  it('every verb in every card has exactly one handler', () => {
    expect(templateVerbs.size).toBeGreaterThan(0);
    for (const verb of templateVerbs) expect(handledVerbs.filter((v) => v === verb)).toHaveLength(1);
  });

  it('every handler has a card that uses its verb', () => {
    for (const verb of handledVerbs) expect(templateVerbs.has(verb)).toBe(true);
  });
});
