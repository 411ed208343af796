import { Writable } from 'node:stream';
import { createLogger, requestId } from './index.js';

describe('createLogger', () => {
  it('when a line is logged, then it is JSON with the service, level label, ISO time and bindings', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    createLogger('registry', {}, sink).child({ requestId: 'r1' }).info({ runs: 3 }, 'searched');
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({ service: 'registry', level: 'info', requestId: 'r1', runs: 3, msg: 'searched' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });
});

describe('requestId', () => {
  it('when the caller sends a sane id, then it is kept', () => expect(requestId('abc-123')).toBe('abc-123'));
  it('when the caller sends garbage or nothing, then a UUID is minted', () => {
    expect(requestId('bad id with spaces')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
