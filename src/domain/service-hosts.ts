/**
 * Where the bot's token may go. Every reply and proactive post is an HTTP call to a conversation's
 * serviceUrl with the bot's bearer token, and botbuilder no longer checks that URL; so the bot checks it
 * when a conversation reference is stored and again before every call.
 */

/**
 * Teams' Bot Connector hosts: the commercial cloud (smba.trafficmanager.net/<region>/) and the
 * government clouds GCC, GCC High and DoD.
 */
export const TEAMS_SERVICE_HOSTS = [
  'smba.trafficmanager.net',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
] as const;

/** Which service URLs are allowed: loopback only (local mode, no credentials) or an https host list. */
export type ServiceHostPolicy = { kind: 'loopback' } | { kind: 'hosts'; hosts: readonly string[] };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for http(s) URLs on this machine (127.0.0.0/8, localhost, ::1). */
export function isLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
  } catch {
    return false;
  }
}

/**
 * Whether a serviceUrl may receive the bot's calls under the policy. With credentials: https, default
 * port, no user info, and a host on the list.
 *
 * @example
 *   isAllowedServiceUrl('https://smba.trafficmanager.net/emea/', { kind: 'hosts', hosts: TEAMS_SERVICE_HOSTS }) // true
 */
export function isAllowedServiceUrl(value: string | undefined, policy: ServiceHostPolicy): boolean {
  if (!value) return false;
  if (policy.kind === 'loopback') return isLoopbackUrl(value);
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.port === '' && url.username === '' && url.password === '' && policy.hosts.includes(url.hostname.toLowerCase());
  } catch {
    return false;
  }
}
