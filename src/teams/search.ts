/**
 * Typeahead searches (Input.ChoiceSet with `choices.data`): the answer is always a bounded list of
 * choices. A refused or failed search answers no choices rather than an apology, because Teams shows
 * the answer inside a dropdown, where a message has no place.
 */
import type { TurnContext } from 'botbuilder';
import { SEARCH_RESULTS_MAX } from '../cards/paging';
import { isDomainError } from '../domain/errors';
import type { Logger } from '../logger';
import type { SearchHandler } from './feature';

/** The longest query text a search looks for (Teams sends what the user typed). */
const QUERY_MAX_LENGTH = 100;

/** How far a typeahead may page into the matches. */
const SKIP_MAX = 300;

/**
 * Runs a feature's search handler for one `application/search` invoke and bounds what it answers.
 *
 * @example
 *   app.adaptiveCards.search('goals', (context, _state, query) => answerSearch(context, logger, 'goals', handler, query));
 */
export async function answerSearch(
  context: TurnContext,
  logger: Logger,
  dataset: string,
  handler: SearchHandler,
  query: { count?: number; skip?: number; parameters?: { queryText?: unknown } },
): Promise<Array<{ title: string; value: string }>> {
  const text = typeof query.parameters?.queryText === 'string' ? query.parameters.queryText.slice(0, QUERY_MAX_LENGTH) : '';
  const count = Math.max(1, Math.min(SEARCH_RESULTS_MAX, Number.isInteger(query.count) ? query.count! : SEARCH_RESULTS_MAX));
  const skip = Math.max(0, Math.min(SKIP_MAX, Number.isInteger(query.skip) ? query.skip! : 0));
  try {
    const results = await handler(context, { text, skip, count });
    logger.info('search.answered', { dataset, results: results.length });
    return results.slice(0, count);
  } catch (error) {
    if (isDomainError(error)) {
      logger.info('search.refused', { dataset, code: error.code });
      return [];
    }
    logger.error('search.failed', { dataset, errorName: (error as { name?: string })?.name ?? typeof error });
    return [];
  }
}
