import assert from 'node:assert/strict';
import { GitPollError, matchingHeads, parseRefs, pktLines, safeUrl } from './git-poll.ts';

const c1 = '1'.repeat(40);
const c2 = '2'.repeat(40);
const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;

describe('git poll mode: reading refs', () => {
  it('reads a smart HTTP advertisement: service line, flush, refs with capabilities after NUL, tags and HEAD ignored', () => {
    const body = Buffer.from(pkt('# service=git-upload-pack\n') + '0000' +
      pkt(`${c1} HEAD\0multi_ack symref=HEAD:refs/heads/main agent=git/2.47\n`) + pkt(`${c1} refs/heads/main\n`) +
      pkt(`${c2} refs/heads/release-1\n`) + pkt(`${c2} refs/tags/v1\n`) + '0000');
    assert.deepEqual(parseRefs(body, 'application/x-git-upload-pack-advertisement'),
      [{ branch: 'main', commit: c1 }, { branch: 'release-1', commit: c2 }]);
  });

  it('reads an empty repository (no refs) as no branches', () => {
    const body = Buffer.from(pkt('# service=git-upload-pack\n') + '0000' + pkt(`${'0'.repeat(40)} capabilities^{}\0agent=git\n`) + '0000');
    assert.deepEqual(parseRefs(body, 'application/x-git-upload-pack-advertisement'), []);
  });

  it('reads a dumb server\'s info/refs', () => {
    assert.deepEqual(parseRefs(Buffer.from(`${c1}\trefs/heads/main\n${c2}\trefs/tags/v1\n`), 'text/plain'), [{ branch: 'main', commit: c1 }]);
  });

  it('refuses a malformed pkt-line', () => {
    assert.throws(() => pktLines(Buffer.from('zz')), GitPollError);
    assert.throws(() => pktLines(Buffer.from('0010abc')), GitPollError);
  });

  it('matches a plain branch name or a pattern against the whole branch; every branch without one', () => {
    const heads = [{ branch: 'main', commit: c1 }, { branch: 'main-old', commit: c2 }, { branch: 'release-2', commit: c2 }];
    assert.deepEqual(matchingHeads(heads, 'main').map((h) => h.branch), ['main']);
    assert.deepEqual(matchingHeads(heads, 'main|release-.*').map((h) => h.branch), ['main', 'release-2']);
    assert.equal(matchingHeads(heads).length, 3);
    assert.throws(() => matchingHeads(heads, '('), /git\.branch "\(" is not a regular expression/);
  });

  it('keeps credentials out of messages and payloads', () => {
    assert.equal(safeUrl('https://user:tok@git.example.com/team/app.git'), 'https://git.example.com/team/app.git');
  });
});
