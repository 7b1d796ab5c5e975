import assert from 'node:assert/strict';
import { coversUrl } from './inputs.ts';

describe('which repository a Secret\'s credentials are for', () => {
  it('is the annotated URL or any repository under it, on the same origin', () => {
    for (const [prefix, url, covers] of [
      ['https://charts.example.com/stable', 'https://charts.example.com/stable', true],
      ['https://charts.example.com/stable/', 'https://charts.example.com/stable/web', true],
      ['https://charts.example.com', 'https://charts.example.com/any/where', true],
      ['https://charts.example.com/stable', 'https://charts.example.com/stable-evil', false],
      ['https://charts.example.com/stable', 'https://charts.example.com/other', false],
      ['https://charts.example.com', 'https://charts.example.com.evil.io/stable', false],
      ['https://charts.example.com', 'http://charts.example.com', false],
      ['not a url', 'https://charts.example.com', false],
    ] as const) assert.equal(coversUrl(prefix, url), covers, `${prefix} ${url}`);
  });
});
