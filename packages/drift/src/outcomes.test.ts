import { defaultContract } from '@churn/churn-data';
import { outcomeKey, parseOutcome } from './outcomes.js';

const contract = defaultContract();
const now = new Date('2026-01-02T03:04:05Z');

describe('parseOutcome', () => {
  it.each([
    [{ request_id: 'r-1', churned: true }, { request_id: 'r-1', churned: 1 }],
    [{ customer_id: 42, churned: 0 }, { customer_id: '42', churned: 0 }],
    [{ clientnum: '708082083', attrition_flag: 'Attrited Customer' }, { customer_id: '708082083', churned: 1 }],
    [{ customer_id: 'c1', attrition_flag: ' existing customer ' }, { customer_id: 'c1', churned: 0 }],
    [{ request_id: 'r-2', customer_id: 'c2', churned: 'false' }, { request_id: 'r-2', customer_id: 'c2', churned: 0 }],
  ])('given %j, when parsed, then the outcome is %j observed now', (body, expected) => {
    expect(parseOutcome(contract, body, now)).toEqual({ ok: true, outcome: { ...expected, observed_at: now } });
  });

  it('given observed_at as ISO time, date or epoch milliseconds, when parsed, then it is that instant', () => {
    const at = (observed_at: unknown) => {
      const result = parseOutcome(contract, { request_id: 'r', churned: 1, observed_at }, now);
      return result.ok ? result.outcome.observed_at.toISOString() : result.message;
    };
    expect(at('2026-01-01T10:00:00+02:00')).toBe('2026-01-01T08:00:00.000Z');
    expect(at('2026-01-01')).toBe('2026-01-01T00:00:00.000Z');
    expect(at(Date.UTC(2025, 11, 31))).toBe('2025-12-31T00:00:00.000Z');
    expect(at('')).toBe(now.toISOString());
  });

  it.each([
    [{ churned: true }, 'request_id', /customer_id \(or clientnum\) is required/],
    [{ request_id: 'r', churned: 'maybe' }, 'churned', /"Attrited Customer", "Existing Customer"/],
    [{ request_id: 'r', attrition_flag: 'gone' }, 'attrition_flag', /^attrition_flag: must be true\/false/],
    [{ request_id: 'r', churned: 2 }, 'churned', /must be true\/false/],
    [{ request_id: 'r' }, 'churned', /must be true\/false/],
    [{ request_id: 'bad id', churned: 1 }, 'request_id', /letters, digits/],
    [{ clientnum: { nested: 1 }, churned: 1 }, 'clientnum', /^clientnum: must be a string or a number/],
    [{ request_id: 'r', churned: 1, observed_at: 'yesterday' }, 'observed_at', /ISO 8601/],
    [[1], '(body)', /expected an outcome object/],
  ])('given %j, when parsed, then it is refused naming %s', (body, field, message) => {
    const result = parseOutcome(contract, body, now);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.message).toMatch(message);
    }
  });
});

describe('outcomeKey', () => {
  it('given each way of naming a prediction, when keyed, then the key names exactly that reference', () => {
    expect(outcomeKey({ request_id: 'r' })).toBe('r:r');
    expect(outcomeKey({ customer_id: '7' })).toBe('c:7');
    expect(outcomeKey({ request_id: 'r', customer_id: '7' })).toBe('r:r|c:7');
  });
});
