import assert from 'node:assert/strict';
import { OptionsError, parseOptions } from './options.ts';

const defaults = {
  kubeconfig: '', namespaces: [], workers: 2, qps: 20, burst: 40, healthAddr: ':8081', metricsAddr: ':8080',
  leaderElect: false, leaderElectionNamespace: 'default', leaderElectionId: 'staysail-operator', logLevel: 'info',
};

describe('parseOptions', () => {
  const cases: { name: string; argv: string[]; env: NodeJS.ProcessEnv; want: unknown }[] = [
    { name: 'defaults', argv: [], env: {}, want: defaults },
    { name: 'environment', argv: [], env: { KUBECONFIG: '/k', STAYSAIL_NAMESPACES: 'a, b', STAYSAIL_LOG_LEVEL: 'debug', POD_NAMESPACE: 'ops',
      STAYSAIL_LEADER_ELECT: 'true', STAYSAIL_METRICS_ADDR: '' },
      want: { ...defaults, kubeconfig: '/k', namespaces: ['a', 'b'], logLevel: 'debug', leaderElectionNamespace: 'ops', leaderElect: true, metricsAddr: '' } },
    { name: 'flags win over the environment',
      argv: ['--kubeconfig', '/f', '--health-addr=127.0.0.1:0', '--workers', '4', '--qps', '5', '--burst', '10', '--log-level', 'warn'],
      env: { KUBECONFIG: '/k', STAYSAIL_LOG_LEVEL: 'debug', STAYSAIL_WORKERS: '9' },
      want: { ...defaults, kubeconfig: '/f', healthAddr: '127.0.0.1:0', workers: 4, qps: 5, burst: 10, logLevel: 'warn' } },
    { name: 'help', argv: ['--help'], env: {}, want: 'help' },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseOptions(c.argv, c.env), c.want));

  const bad: { name: string; argv: string[]; message: RegExp }[] = [
    { name: 'an unknown flag', argv: ['--nope'], message: /--nope/ },
    { name: 'a bad log level', argv: ['--log-level', 'loud'], message: /--log-level "loud" must be one of/ },
    { name: 'a health address without a port', argv: ['--health-addr', 'localhost'], message: /--health-addr: address "localhost" must be host:port/ },
    { name: 'zero workers', argv: ['--workers', '0'], message: /--workers "0" must be a whole number of at least 1/ },
    { name: 'a leader-elect that is not a boolean', argv: ['--leader-elect', 'yes'], message: /--leader-elect "yes" must be true or false/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, naming it`, () => {
      assert.throws(() => parseOptions(c.argv, {}), (err: unknown) => err instanceof OptionsError && c.message.test(err.message));
    });
  }
});
