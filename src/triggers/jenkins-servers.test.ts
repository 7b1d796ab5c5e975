import assert from 'node:assert/strict';
import { ApiError } from '../core/errors.ts';
import type { KubeClient } from '../core/kube-client.ts';
import { JenkinsConfigError, parseServerEntry, resolveJenkinsServer } from './jenkins-servers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A client that holds the given objects by kind and name, and refuses the names in forbidden. */
function clientWith(objects: Record<string, object>, forbidden: string[] = []): KubeClient {
  return {
    async get(rt: { kind: string }, _ns: string, name: string) {
      const key = `${rt.kind}/${name}`;
      if (forbidden.includes(key)) throw new ApiError(403, 'Forbidden', `${rt.kind.toLowerCase()}s "${name}" is forbidden`);
      const o = objects[key];
      if (!o) throw new ApiError(404, 'NotFound', `${key} not found`);
      return { metadata: { name }, ...o };
    },
  } as unknown as KubeClient;
}

describe('jenkins servers', () => {
  describe('parseServerEntry', () => {
    const cases: [string, string, ReturnType<typeof parseServerEntry>][] = [
      ['YAML, with the Secret\'s default keys', 'url: https://ci.example.com\ncredentialsSecretRef: {name: ci}',
        { url: 'https://ci.example.com', credentialsSecretRef: { name: 'ci', userKey: 'username', tokenKey: 'token' } }],
      ['JSON, with its own keys', '{"url":"http://ci:8080/jenkins","credentialsSecretRef":{"name":"ci","userKey":"user","tokenKey":"apiToken"}}',
        { url: 'http://ci:8080/jenkins', credentialsSecretRef: { name: 'ci', userKey: 'user', tokenKey: 'apiToken' } }],
      ['anonymous', 'url: http://ci', { url: 'http://ci' }],
    ];
    for (const [name, text, want] of cases) it(name, () => assert.deepEqual(parseServerEntry('ns', 'main', text), want));

    const bad: [string, string, RegExp][] = [
      ['no url', 'credentialsSecretRef: {name: ci}', /^ConfigMap "staysail-jenkins" in namespace "ns", key "main" has no url .*; set url to the Jenkins address/],
      ['not a URL', 'url: ci.example.com', /has no url \(or not an http or https URL: "ci\.example\.com"\)/],
      ['a Secret without a name', 'url: http://ci\ncredentialsSecretRef: {userKey: u}', /credentialsSecretRef needs the name of a Secret in namespace "ns"/],
      ['not YAML', 'url: [', /is not YAML or JSON: .*; write \{url: https:/],
    ];
    for (const [name, text, message] of bad) {
      it(`refuses ${name}`, () => assert.throws(() => parseServerEntry('ns', 'main', text), (err) => err instanceof JenkinsConfigError && message.test(err.message)));
    }
  });

  describe('resolveJenkinsServer', () => {
    const cm = (data: Record<string, string>) => ({ 'ConfigMap/staysail-jenkins': { data } });
    it('reads the server and its Secret\'s user and token', async () => {
      const client = clientWith({ ...cm({ main: 'url: http://ci\ncredentialsSecretRef: {name: ci}' }),
        'Secret/ci': { data: { username: b64('deployer'), token: b64('t0k3n\n') } } });
      assert.deepEqual(await resolveJenkinsServer(client, 'ns', 'main'), { name: 'main', url: 'http://ci', credentials: { username: 'deployer', token: 't0k3n' } });
    });
    const failures: [string, KubeClient, RegExp][] = [
      ['no ConfigMap', clientWith({}), /^ConfigMap "staysail-jenkins" does not exist in namespace "ns"; create it with a key "main" holding/],
      ['no such server', clientWith(cm({ other: 'url: http://x', more: 'url: http://y' })),
        /^ConfigMap "staysail-jenkins" in namespace "ns" names no Jenkins server "main" \(it names other, more\); add a key "main"/],
      ['no Secret', clientWith(cm({ main: 'url: http://ci\ncredentialsSecretRef: {name: ci}' })),
        /^Secret "ci" \(Jenkins server "main"\) does not exist in namespace "ns"; create it with the Jenkins user under "username" and an API token under "token"$/],
      ['a Secret without the token', clientWith({ ...cm({ main: 'url: http://ci\ncredentialsSecretRef: {name: ci, tokenKey: api}' }), 'Secret/ci': { data: { username: b64('u') } } }),
        /^Secret "ci" in namespace "ns" \(Jenkins server "main"\) has no key "api"; put an API token of that user under "api"/],
      ['a ConfigMap it may not read', clientWith({}, ['ConfigMap/staysail-jenkins']),
        /^Staysail may not read ConfigMap "staysail-jenkins" in namespace "ns": .*; grant its ServiceAccount get on configmaps there$/],
    ];
    for (const [name, client, message] of failures) {
      it(`says so: ${name}`, () => assert.rejects(resolveJenkinsServer(client, 'ns', 'main'), (err) => err instanceof JenkinsConfigError && message.test(err.message)));
    }
  });
});
