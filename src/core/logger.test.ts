import assert from 'node:assert/strict';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  const fixed = () => new Date('2026-01-02T03:04:05.000Z');

  it('writes one JSON object per line with time, level, message and fields', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), now: fixed }).info('reconciled', { key: 'ns/a', reconcileID: 'r1' });
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [
      { time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'reconciled', key: 'ns/a', reconcileID: 'r1' },
    ]);
  });

  it('drops lines below the level and keeps those at or above it', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l), now: fixed });
    log.debug('a'); log.info('b'); log.warn('c'); log.error('d');
    assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ['c', 'd']);
  });

  it('adds bound fields with with(), and later fields win', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: fixed }).with({ controller: 'pipeline', key: 'x' });
    log.info('m', { key: 'y' });
    assert.equal(JSON.parse(lines[0]!).controller, 'pipeline');
    assert.equal(JSON.parse(lines[0]!).key, 'y');
  });

  it('writes errors in fields as their message', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), now: fixed }).error('failed', { error: new Error('boom') });
    assert.equal(JSON.parse(lines[0]!).error, 'boom');
  });
});
