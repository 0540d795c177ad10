// The baseline of `npm run bench`: a bare teams-ai echo bot on the same stack (restify, botbuilder's
// CloudAdapter through teams-ai's TeamsAdapter, no credentials as in local mode) that answers every
// message with one Adaptive Card and every Action.Execute with one card in the invoke answer. No
// database, no templates: the floor of per-message cost for this stack. Plain JavaScript, run by node
// as it is (one process), like the bot's compiled build.
//
//   PORT=3999 node bench/bare-bot.cjs
'use strict';
const restify = require('restify');
const { Application, TeamsAdapter } = require('@microsoft/teams-ai');
const { ConfigurationServiceClientCredentialFactory, CardFactory, MessageFactory } = require('botbuilder');

const adapter = new TeamsAdapter({}, new ConfigurationServiceClientCredentialFactory({}));
const app = new Application({ adapter, botAppId: '', removeRecipientMention: true, startTypingTimer: false, longRunningMessages: false });

function echoCard(text) {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Echo', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: String(text ?? '').slice(0, 200), wrap: true },
    ],
    actions: [{ type: 'Action.Execute', title: 'Again', verb: 'echo', data: {} }],
  };
}

app.activity('message', async (context) => {
  await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(echoCard(context.activity.text))));
});

// Every Action.Execute verb (the bot's views and changes) gets a card back, as the bot's do.
app.adaptiveCards.actionExecute(/.*/, async (context) => echoCard(context.activity.value?.action?.verb));

const server = restify.createServer({ name: 'bare-bot', handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser());
server.get('/healthz', (_req, res, next) => {
  res.send(200, { status: 'ok' });
  return next();
});
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => app.run(context));
});
server.listen(Number(process.env.PORT ?? 3999), '127.0.0.1', () => process.stdout.write(`bare bot listening on ${server.url}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
process.once('SIGINT', () => server.close(() => process.exit(0)));
