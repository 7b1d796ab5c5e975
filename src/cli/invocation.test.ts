// The CLI names itself in hints as the launcher says it was invoked, and `staysail` otherwise.
import assert from 'node:assert/strict';
import { commandName } from './invocation.ts';

describe('commandName', () => {
  let saved: string | undefined;
  beforeEach(() => { saved = process.env.STAYSAIL_INVOKED_AS; });
  afterEach(() => {
    if (saved === undefined) delete process.env.STAYSAIL_INVOKED_AS;
    else process.env.STAYSAIL_INVOKED_AS = saved;
  });

  const cases: [string | undefined, string][] = [
    ['kubectl staysail', 'kubectl staysail'], ['staysail', 'staysail'], ['node bin/staysail.js', 'node bin/staysail.js'],
    [undefined, 'staysail'], ['', 'staysail'],
  ];
  for (const [env, want] of cases) {
    it(`is "${want}" when STAYSAIL_INVOKED_AS is ${env === undefined ? 'unset' : JSON.stringify(env)}`, () => {
      if (env === undefined) delete process.env.STAYSAIL_INVOKED_AS;
      else process.env.STAYSAIL_INVOKED_AS = env;
      assert.equal(commandName(), want);
    });
  }
});
