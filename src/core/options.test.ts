import assert from 'node:assert/strict';
import { OptionsError, parseOptions } from './options.ts';

describe('parseOptions', () => {
  const cases: { name: string; argv: string[]; env: NodeJS.ProcessEnv; want: unknown }[] = [
    { name: 'defaults', argv: [], env: {}, want: { kubeconfig: '', healthAddr: ':8081', logLevel: 'info' } },
    { name: 'environment', argv: [], env: { KUBECONFIG: '/k', STAYSAIL_HEALTH_ADDR: '127.0.0.1:9', STAYSAIL_LOG_LEVEL: 'debug' },
      want: { kubeconfig: '/k', healthAddr: '127.0.0.1:9', logLevel: 'debug' } },
    { name: 'flags win over the environment', argv: ['--kubeconfig', '/f', '--health-addr=127.0.0.1:0', '--log-level', 'warn'],
      env: { KUBECONFIG: '/k', STAYSAIL_LOG_LEVEL: 'debug' }, want: { kubeconfig: '/f', healthAddr: '127.0.0.1:0', logLevel: 'warn' } },
    { name: 'help', argv: ['--help'], env: {}, want: 'help' },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseOptions(c.argv, c.env), c.want));

  const bad: { name: string; argv: string[]; message: RegExp }[] = [
    { name: 'an unknown flag', argv: ['--nope'], message: /--nope/ },
    { name: 'a bad log level', argv: ['--log-level', 'loud'], message: /--log-level "loud" must be one of/ },
    { name: 'a health address without a port', argv: ['--health-addr', 'localhost'], message: /--health-addr: address "localhost" must be host:port/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, naming it`, () => {
      assert.throws(() => parseOptions(c.argv, {}), (err: unknown) => err instanceof OptionsError && c.message.test(err.message));
    });
  }
});
