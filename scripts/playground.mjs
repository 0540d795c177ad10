#!/usr/bin/env node
/**
 * `npm run playground`: chat with the locally running bot in the Microsoft 365 Agents Playground
 * (@microsoft/teams-app-test-tool, binary `teamsapptester`), in the foreground, with the project's
 * mock Teams context (.m365agentsplayground.yml: team "Resursgrupp Demo", channel
 * "Resursgrupp – K.L.", you are "Sara Lind (samordnare)").
 *
 *   npm start                 # terminal 1: the bot on http://127.0.0.1:${PORT:-3978}/api/messages
 *   npm run demo              # terminal 2, once: the fictional resource group "K.L. (demo)"
 *   npm run playground        # terminal 3: then open the printed URL (http://localhost:56150)
 *
 * Options (after `npm run playground --`):
 *   --port <n>         Playground port (default PLAYGROUND_PORT or 56150); refuses a port in use
 *   --endpoint <url>   bot endpoint (default BOT_ENDPOINT or http://127.0.0.1:${PORT:-3978}/api/messages)
 *   --config <file>    config file (default .m365agentsplayground.yml in the repository root)
 *   --as <who>         act as another person of the config file: a first name, full name or id,
 *                      case-insensitive (lars = the relative, johan = the nurse, sara = the case
 *                      manager), or `outsider`, a team member who is not in the demo group. Writes a
 *                      copy of the config with them as currentUser to .playground/ and uses that.
 *   --locale <tag>     rewrite the activities' locale, e.g. sv-SE (default PLAYGROUND_LOCALE; off).
 *                      The Playground itself always sends en-US.
 *   --open             let the Playground open a browser
 * Anything else is passed to `teamsapptester start` (e.g. --enable-events-recording).
 * The tool's log goes to .playground/m365agentsplayground.log (git-ignored).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocaleProxy } from './locale-proxy.ts';
import { actAs, describeChoices, PlaygroundUserError, readPlaygroundConfigFile, writePlaygroundConfigFile } from './playground-config.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'teamsapptester.cmd' : 'teamsapptester');
const LOG_DIR = path.join(REPO_ROOT, '.playground');

function parseArgs(argv) {
  const options = {
    port: Number(process.env.PLAYGROUND_PORT || 56150),
    endpoint: process.env.BOT_ENDPOINT || `http://127.0.0.1:${process.env.PORT || 3978}/api/messages`,
    config: process.env.M365_AGENTS_PLAYGROUND_CONFIG_PATH || path.join(REPO_ROOT, '.m365agentsplayground.yml'),
    locale: process.env.PLAYGROUND_LOCALE || '',
    as: undefined,
    open: false,
    help: false,
    passThrough: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.split(/=(.*)/s);
    const next = () => (inline !== undefined ? inline : argv[++i]);
    if (name === '--port' || name === '-p') options.port = Number(next());
    else if (name === '--endpoint' || name === '-e') options.endpoint = next();
    else if (name === '--config') options.config = next();
    else if (name === '--locale') options.locale = next();
    else if (name === '--as') options.as = next() ?? '';
    else if (name === '--open') options.open = true;
    else if (name === '--help' || name === '-h') options.help = true;
    else options.passThrough.push(arg);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) fail(`Invalid --port.`);
  if (options.as !== undefined && !options.as.trim()) fail('--as needs a name, e.g. --as lars (see --help).');
  options.config = path.resolve(options.config);
  return options;
}

function help(configFile) {
  let choices = '';
  try {
    choices = `\n\n--as <who> in ${path.relative(REPO_ROOT, configFile) || configFile} (first name, full name or id, any case):\n${describeChoices(readPlaygroundConfigFile(configFile))}`;
  } catch {
    /* no readable config: the usage alone */
  }
  return [
    'Usage: npm run playground [-- --port 56150 --endpoint URL --config FILE --as WHO --locale sv-SE --open]',
    '',
    '  --port <n>        Playground port (default 56150; 0 = any free port)',
    '  --endpoint <url>  the bot (default http://127.0.0.1:${PORT:-3978}/api/messages)',
    '  --config <file>   mock Teams context (default .m365agentsplayground.yml)',
    '  --as <who>        act as another person of the config, or `outsider` (not in the demo group)',
    '  --locale <tag>    rewrite the activities\' locale, e.g. sv-SE (the Playground sends en-US)',
    '  --open            let the Playground open a browser',
    '',
    'See the header of scripts/playground.mjs and docs/playground.md.',
  ].join('\n') + choices;
}

/** Writes the config with `who` as the current user into .playground/ and returns its path. */
function writeConfigActingAs(configFile, who) {
  let acting;
  try {
    acting = actAs(readPlaygroundConfigFile(configFile), who);
  } catch (error) {
    if (error instanceof PlaygroundUserError) fail(`--as: ${error.message}`);
    throw error;
  }
  const { config, displaced } = acting;
  if (displaced) {
    console.log(
      `playground: ${config.currentUser.name} takes the place of ${displaced.name} in the mock roster for this run. If the bot` +
        ` reconciles memberships meanwhile (at its start, then hourly), ${displaced.name} loses access to the demo group, as in` +
        ' Teams; npm run demo -- --reset restores it.',
    );
  }
  const slug = config.currentUser.id.replace(/^\d+:/, '').replace(/[^A-Za-z0-9_-]+/g, '-');
  const file = path.join(LOG_DIR, `m365agentsplayground.as-${slug}.yml`);
  writePlaygroundConfigFile(file, config, `npm run playground -- --as ${who} (from ${path.relative(REPO_ROOT, configFile) || configFile})`);
  return file;
}

function fail(message) {
  console.error(`playground: ${message}`);
  process.exit(1);
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

function getJson(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.setTimeout(2000, () => req.destroy());
    req.once('error', () => resolve(undefined));
  });
}

/** When stdout is not a terminal the tool writes its messages only to its log file: follow it. */
function followFile(file) {
  let offset = 0;
  const timer = setInterval(() => {
    try {
      const size = statSync(file).size;
      if (size < offset) offset = 0; // the tool truncates the file at start
      if (size === offset) return;
      const fd = openSync(file, 'r');
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      closeSync(fd);
      offset = size;
      process.stdout.write(buffer);
    } catch {
      /* not there yet */
    }
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(help(options.config));
    process.exit(0);
  }
  if (!existsSync(BIN)) fail(`${BIN} not found: run npm install (devDependency @microsoft/teams-app-test-tool).`);
  if (!existsSync(options.config)) fail(`config file not found: ${options.config}`);
  mkdirSync(LOG_DIR, { recursive: true });
  if (options.as) options.config = writeConfigActingAs(options.config, options.as);
  if (options.port !== 0 && !(await canListen(options.port))) {
    fail(`port ${options.port} is in use (another Playground?). Stop it, or use --port <n> (0 = any free port).`);
  }

  const target = new URL(options.endpoint);
  const botPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  if (!(await canConnect(target.hostname, botPort))) {
    console.warn(`playground: nothing answers at ${options.endpoint} yet; start the bot (npm start). The Playground connects when you open it.`);
  }

  let proxy;
  let endpoint = options.endpoint;
  if (options.locale) {
    proxy = await startLocaleProxy(target, options.locale);
    endpoint = proxy.endpoint;
  }

  const logFile = path.join(LOG_DIR, 'm365agentsplayground.log');
  // The tool truncates its log only once it runs; until then the follower below would echo the last run's lines.
  rmSync(logFile, { force: true });
  const child = spawn(BIN, ['start', '-e', endpoint, '-c', 'msteams', '--disable-telemetry', '-p', String(options.port), ...options.passThrough], {
    cwd: REPO_ROOT,
    // stdin from /dev/null: the tool never reads it, and with a terminal stdin it exits when backgrounded.
    stdio: ['ignore', process.stdout.isTTY ? 'inherit' : 'pipe', 'inherit'],
    env: {
      ...process.env,
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: options.config,
      M365_AGENTS_PLAYGROUND_LOGFILE: logFile,
      M365_AGENTS_PLAYGROUND_RECORDING_FILE: process.env.M365_AGENTS_PLAYGROUND_RECORDING_FILE || path.join(LOG_DIR, 'events_recording.log'),
      TEAMSAPPTESTER_BROWSER: options.open ? process.env.TEAMSAPPTESTER_BROWSER || '' : 'none',
      TZ: process.env.TZ || 'Europe/Stockholm',
    },
  });

  // Non-TTY: the tool prints only "Listening on <port>"; read the port there and follow the log file.
  let port = options.port || undefined;
  let stopFollowing = () => {};
  if (child.stdout) {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /Listening on (\d+)/.exec(out);
      if (match) port = Number(match[1]);
    });
    stopFollowing = followFile(logFile);
  }

  let exiting = false;
  const shutdown = (signal) => {
    if (exiting) return;
    exiting = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(signal));

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', (error) => fail(`could not start ${BIN}: ${error.message}`));

  // Wait until the backend answers with the loaded config, then say where to go.
  const deadline = Date.now() + 60_000;
  let warned = false;
  let config;
  while (!config) {
    const state = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 250))]);
    if (state) {
      stopFollowing();
      proxy?.close();
      console.error(`playground: teamsapptester exited (code ${state.code}, signal ${state.signal}) before it was ready. See ${logFile}.`);
      process.exit(state.code || 1);
    }
    if (port) config = await getJson(`http://127.0.0.1:${port}/_internal/v1/testConfig`);
    if (!config && !warned && Date.now() > deadline) {
      warned = true;
      console.warn(`playground: still not ready after 60 s; see ${logFile}.`);
    }
  }

  const c = config.config;
  const team = c.teams?.[0];
  const channel = team?.channels?.find((ch) => ch.name !== 'General')?.name ?? 'General';
  console.log(
    [
      '',
      `  Microsoft 365 Agents Playground is ready:  http://localhost:${port}`,
      '',
      `  bot endpoint  ${options.endpoint}${proxy ? `  (via ${proxy.endpoint}, locale → ${options.locale})` : ''}`,
      `  config        ${path.relative(REPO_ROOT, options.config) || options.config}`,
      `  you are       ${c.currentUser?.name}`,
      `  channel       "${channel}" in team "${team?.name}" (left, under "Teams Channel")`,
      `  to talk       type @${c.bot?.name?.slice(0, 4)}…, pick ${c.bot?.name} in the list, type e.g. "hjälp", press Post;`,
      '                the answer appears in the post\'s thread. The personal chat needs no @mention.',
      `  log           ${path.relative(REPO_ROOT, logFile)}`,
      '',
      '  Ctrl-C stops the Playground.',
      '',
    ].join('\n'),
  );

  const { code, signal } = await exited;
  stopFollowing();
  proxy?.close();
  process.exit(exiting ? 0 : code ?? (signal ? 1 : 0));
}

main().catch((error) => fail(error?.stack || String(error)));
