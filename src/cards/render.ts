/**
 * Renders the JSON templates in `cards/` with adaptivecards-templating. Values from the data object are
 * inserted as they are and never evaluated again, so text a user typed (`${$root}`, `**x**`) stays
 * literal; templates put such text in TextRuns, which Teams does not read as markdown.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'adaptivecards-templating';
import { PROJECT_ROOT } from '../paths';

export const CARD_TEMPLATES_DIR = path.join(PROJECT_ROOT, 'cards');

export const CARD_NAMES = [
  'help',
  'notice',
  'refusal',
  'reminder',
  'follow-ups',
  'follow-up-form',
  'digest',
  'reminder-settings-form',
  'welcome',
  'group-setup-form',
  'group-summary',
  'shell',
  'members',
  'member-add-form',
  'member-change-form',
  'plan',
  'goal',
  'goal-form',
  'subgoal-form',
  'goal-update-form',
  'agreement',
  'agreement-form',
  'agreement-list',
  'my-groups',
  'crisis-plan',
  'crisis-plan-section',
  'crisis-plan-form',
  'crisis-plan-versions',
  'crisis-plan-version',
  'crisis-plan-choice',
  'audit-log',
  'log-extract-form',
  'log-extract',
  'board',
  'board-form',
  'board-remove-form',
  'board-history',
  'board-settings-form',
  'board-team-form',
] as const;
export type CardName = (typeof CARD_NAMES)[number];

/** An Adaptive Card as JSON. */
export type AdaptiveCardJson = { type: 'AdaptiveCard'; version: string; body?: unknown[]; actions?: unknown[] } & Record<string, unknown>;

/**
 * Each template parsed once: building a Template parses every `${…}` of the card into an expression,
 * which costs milliseconds; expanding a parsed one with new data is cheap. The library is made for
 * this (a Template "can be bound to different data objects in a loop"); expand is synchronous and
 * builds a new object each time, so one instance serves every turn.
 */
const templates = new Map<CardName, Template>();

function loadTemplate(name: CardName): Template {
  let template = templates.get(name);
  if (template === undefined) {
    template = new Template(JSON.parse(readFileSync(path.join(CARD_TEMPLATES_DIR, `${name}.json`), 'utf8')) as unknown);
    templates.set(name, template);
  }
  return template;
}

/**
 * Expands a card template with its data.
 *
 * @example
 *   const card = renderCard('notice', { title: 'Hej', text: 'Välkommen', color: 'Default' });
 */
export function renderCard(name: CardName, data: object): AdaptiveCardJson {
  const expanded = loadTemplate(name).expand({ $root: data }) as AdaptiveCardJson;
  delete expanded.$schema;
  return expanded;
}
