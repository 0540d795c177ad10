/**
 * Builders of Bot Framework activities as Teams sends them, for tests.
 */
import { randomUUID } from 'node:crypto';

export interface TestUser {
  id: string;
  name: string;
  aadObjectId?: string;
}

export const BOT = { id: '28:resursgrupp-bot', name: 'Resursgrupp' };
export const TENANT_ID = 'tenant-test';
export const TEAM_ID = '19:team-demo@thread.tacv2';
export const CHANNEL_ID = '19:channel-kl@thread.tacv2';

export const USERS = {
  sara: { id: '29:sara', name: 'Sara Lind', aadObjectId: '00000000-0000-4000-8000-00000000000a' },
  anna: { id: '29:anna', name: 'Anna Berg', aadObjectId: '00000000-0000-4000-8000-00000000000b' },
  omar: { id: '29:omar', name: 'Omar Said', aadObjectId: '00000000-0000-4000-8000-00000000000c' },
  lars: { id: '29:lars', name: 'Lars Lundqvist', aadObjectId: '00000000-0000-4000-8000-00000000000d' },
} satisfies Record<string, TestUser>;

export interface WhereOptions {
  serviceUrl: string;
  /** channel (default), groupChat or personal */
  scope?: 'channel' | 'groupChat' | 'personal';
  locale?: string;
  from?: TestUser;
  /** For a card action: a person's press (default) or Teams refreshing the card by itself. */
  trigger?: 'manual' | 'automatic';
}

function conversationFor(scope: WhereOptions['scope'], from: TestUser) {
  switch (scope) {
    case 'personal':
      return { conversation: { id: `a:personal-${from.id}`, conversationType: 'personal', tenantId: TENANT_ID }, channelData: { tenant: { id: TENANT_ID } } };
    case 'groupChat':
      return { conversation: { id: '19:groupchat-kl@thread.v2', conversationType: 'groupChat', tenantId: TENANT_ID, isGroup: true }, channelData: { tenant: { id: TENANT_ID } } };
    default:
      return {
        conversation: { id: `${CHANNEL_ID};messageid=${Date.now()}`, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
        channelData: { team: { id: TEAM_ID, name: 'Resursgrupp Demo' }, channel: { id: CHANNEL_ID, name: 'Resursgrupp K.L.' }, tenant: { id: TENANT_ID } },
      };
  }
}

function base(options: WhereOptions) {
  const from = options.from ?? USERS.sara;
  return {
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: options.serviceUrl,
    timestamp: new Date().toISOString(),
    locale: options.locale ?? 'sv-SE',
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { ...BOT },
    ...conversationFor(options.scope, from),
  };
}

/** A message that @mentions the bot in a channel or group chat (as Teams delivers it) or a personal message. */
export function messageActivity(text: string, options: WhereOptions) {
  const activity = base(options);
  const scope = options.scope ?? 'channel';
  if (scope === 'personal') return { ...activity, type: 'message', text };
  const mention = `<at>${BOT.name}</at>`;
  return {
    ...activity,
    type: 'message',
    text: `${mention} ${text}`,
    entities: [{ type: 'mention', text: mention, mentioned: { id: BOT.id, name: BOT.name } }],
  };
}

/** An Action.Execute invoke from a card, with the card's inputs in `data`. */
export function actionExecuteActivity(verb: string, data: Record<string, unknown>, options: WhereOptions) {
  return {
    ...base(options),
    type: 'invoke',
    name: 'adaptiveCard/action',
    // Teams names the message that holds the clicked card.
    replyToId: 'card-message-1',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: options.trigger ?? 'manual' },
  };
}

/** The bot being installed into the conversation. */
export function botAddedActivity(options: WhereOptions) {
  return { ...base(options), type: 'conversationUpdate', membersAdded: [{ id: BOT.id }], channelData: { ...base(options).channelData, eventType: 'teamMemberAdded' } };
}

/** A search message extension's query (`composeExtension/query`), as Teams sends it from the compose box. */
export function composeQueryActivity(commandId: string, parameters: Record<string, string>, options: WhereOptions & { skip?: number; count?: number }) {
  return {
    ...base(options),
    type: 'invoke',
    name: 'composeExtension/query',
    value: {
      commandId,
      parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })),
      queryOptions: { skip: options.skip ?? 0, count: options.count ?? 25 },
    },
  };
}
