import { describe, expect, it } from 'vitest';
import { catalogues, translate } from '../../src/locales';
import { ERROR_CODES } from '../../src/domain/errors';
import { COMMAND_DEFINITIONS } from '../../src/domain/commands';
import { CASE_MANAGEMENT_MODELS } from '../../src/domain/groups';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('locale files', () => {
  it('Swedish and English have the same keys', () => {
    expect(Object.keys(catalogues.en).sort()).toEqual(Object.keys(catalogues.sv).sort());
  });

  it('each key has the same placeholders in both languages, and no empty text', () => {
    for (const [key, sv] of Object.entries(catalogues.sv)) {
      expect(placeholders(catalogues.en[key]!), key).toEqual(placeholders(sv));
      expect(sv.trim(), key).not.toBe('');
      expect(catalogues.en[key]!.trim(), key).not.toBe('');
    }
  });

  it('has a polite text for every error code, every command and every model', () => {
    for (const code of ERROR_CODES) expect(catalogues.sv[`error.${code}`], code).toBeTruthy();
    for (const command of COMMAND_DEFINITIONS) expect(catalogues.en[`command.${command.id}.description`], command.id).toBeTruthy();
    for (const model of CASE_MANAGEMENT_MODELS) expect(catalogues.sv[`model.${model}`], model).toBeTruthy();
  });

  it('fills placeholders', () => {
    expect(translate('en', 'notAvailable.text', { command: 'plan' })).toBe('The command **plan** is not available yet. Type **help** to see what works today.');
  });
});
