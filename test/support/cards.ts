/**
 * Validates card JSON with the official Adaptive Cards object model (`adaptivecards`) at schema 1.5.
 */
// The package's ESM build does not load in Node; its UMD bundle does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Parse and validation messages for a card; empty when the card is valid for Adaptive Cards 1.5. */
export function adaptiveCardErrors(card: unknown, options: { literalUserText?: string | string[] } = {}): string[] {
  const json = card as { version?: string };
  const errors: string[] = [];
  if (json.version !== '1.5') errors.push(`version is ${json.version}, expected 1.5`);
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const message = context.getEventAt(i).message;
    // The SDK puts typeahead search ("choices.data") at 1.6; Teams supports it in 1.5 cards (its
    // documented examples are 1.2 and 1.5 cards), so that one property is allowed here.
    if (message.startsWith('Property "choices.data" is supported in version 1.6')) continue;
    errors.push(`parse: ${message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) errors.push(`validate: ${event.message}`);
  // Unexpanded template expressions mean a binding was missing from the data.
  let serialized = JSON.stringify(card);
  for (const text of [options.literalUserText ?? []].flat()) serialized = serialized.split(JSON.stringify(text).slice(1, -1)).join('');
  if (serialized.includes('${')) errors.push('unexpanded ${…} binding');
  return errors;
}
