import assert from 'node:assert/strict';
import { chartInIndex } from './repository.ts';

const index = `apiVersion: v1
entries:
  hello:
    - version: 0.2.0
      urls: [hello-0.2.0.tgz]
      digest: abc
    - version: 0.1.0
      urls: [https://cdn.example.com/hello-0.1.0.tgz]
`;
const repo = (version: string, chart = 'hello') => ({ url: 'https://charts.example.com/stable/', chart, version });

describe('a chart repository\'s index', () => {
  it('resolves the version\'s URL against the repository, or takes an absolute one as it is', () => {
    assert.deepEqual(chartInIndex(index, repo('0.2.0')), { url: 'https://charts.example.com/stable/hello-0.2.0.tgz', digest: 'abc' });
    assert.equal(chartInIndex(index, repo('0.1.0')).url, 'https://cdn.example.com/hello-0.1.0.tgz');
  });

  it('says which charts and versions there are when the one asked for is not', () => {
    assert.throws(() => chartInIndex(index, repo('9.9.9')), /has no version 9.9.9 of chart "hello"; it has 0.2.0, 0.1.0/);
    assert.throws(() => chartInIndex(index, repo('0.1.0', 'bye')), /has no chart "bye"; its index lists "hello"/);
  });
});
