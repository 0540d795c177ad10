import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actAs, OUTSIDER, PlaygroundUserError, readPlaygroundConfigFile } from '../../scripts/playground-config';

const config = readPlaygroundConfigFile(path.resolve(__dirname, '..', '..', '.m365agentsplayground.yml'));
const ids = (c: typeof config) => [c.currentUser, ...c.users].map((u) => u.id).sort();

describe('actAs (npm run playground -- --as)', () => {
  it.each(['lars', 'LARS', 'Lars Lundqvist', 'lars lundqvist (närstående)', '29:demo-lars-lundqvist', '00000000-0000-4000-8000-00000000c004'])(
    'finds the relative by %s and swaps him with the case manager, keeping five users',
    (who) => {
      const { config: swapped, displaced } = actAs(config, who);
      expect(swapped.currentUser.name).toBe('Lars Lundqvist (närstående)');
      expect(swapped.users).toHaveLength(5);
      expect(swapped.users.map((u) => u.name)).toContain('Sara Lind (samordnare)');
      expect(ids(swapped)).toEqual(ids(config));
      expect(swapped.personalChat?.id).not.toBe(config.personalChat?.id);
      expect(displaced).toBeUndefined();
    },
  );

  it('leaves the file as it is for the current user', () => {
    expect(actAs(config, 'Sara').config).toEqual(config);
  });

  it('acts as an outsider, who is in no slot of the file, in the place of the last user', () => {
    const { config: swapped, displaced } = actAs(config, 'outsider');
    expect(swapped.currentUser).toEqual(OUTSIDER);
    expect(swapped.users).toHaveLength(5);
    expect(displaced).toEqual(config.users.at(-1));
    expect(swapped.users.at(-1)).toEqual(config.currentUser);
    expect(config.currentUser.name).toBe('Sara Lind (samordnare)'); // the input is not changed
  });

  it('refuses an unknown name, listing the choices', () => {
    expect(() => actAs(config, 'olle')).toThrow(PlaygroundUserError);
    expect(() => actAs(config, 'olle')).toThrow(/nobody called "olle"[\s\S]*lars\s+Lars Lundqvist \(närstående\)[\s\S]*outsider/);
  });

  it('refuses a name that fits several people', () => {
    const twoLars = structuredClone(config);
    twoLars.users[0] = { ...twoLars.users[0]!, givenName: 'Lars' };
    expect(() => actAs(twoLars, 'lars')).toThrow(/fits .* and .*; use the full name or the id/);
  });
});
