import { describe, expect, it } from 'vitest';
import { caseloadLimitOf, caseloadWarning, caseloadWarningReason, STRENGTHS_CASELOAD_LIMIT } from '../../src/domain/caseload';
import { CASE_MANAGEMENT_MODELS } from '../../src/domain/groups';
import { parseCommand } from '../../src/domain/commands';

describe('the caseload rule', () => {
  it('Styrkemodellen sets the limit at 20; the other models set none', () => {
    expect(STRENGTHS_CASELOAD_LIMIT).toBe(20);
    expect(CASE_MANAGEMENT_MODELS.filter((model) => caseloadLimitOf(model) !== undefined)).toEqual(['STRENGTHS']);
  });

  it('warns past the limit, not at it', () => {
    expect(caseloadWarning({ model: 'STRENGTHS', coordinatedNow: 20 })).toBeUndefined();
    expect(caseloadWarning({ model: 'STRENGTHS', coordinatedNow: 21 })).toEqual({ count: 21, limit: 20 });
    expect(caseloadWarning({ model: 'STRENGTHS', coordinatedNow: 1000 })).toEqual({ count: 1000, limit: 20 });
    for (const model of CASE_MANAGEMENT_MODELS.filter((m) => m !== 'STRENGTHS')) expect(caseloadWarning({ model, coordinatedNow: 50 })).toBeUndefined();
  });

  it('audits the count and the limit as a machine-readable reason', () => {
    expect(caseloadWarningReason({ count: 21, limit: 20 })).toBe('coordinates_21_limit_20');
  });

  it('`mina grupper` is its own command; `mina` stays `mina`', () => {
    expect(parseCommand('Mina  grupper')).toEqual({ kind: 'command', id: 'myGroups', args: '' });
    expect(parseCommand('my groups')).toEqual({ kind: 'command', id: 'myGroups', args: '' });
    expect(parseCommand('mina')).toEqual({ kind: 'command', id: 'mine', args: '' });
    expect(parseCommand('mine')).toEqual({ kind: 'command', id: 'mine', args: '' });
  });
});
