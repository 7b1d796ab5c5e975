// The docker trigger's registry client against a real registry (Debian's docker-registry on loopback),
// with images pushed by crane: open, behind basic auth, and behind the bearer-token flow.
import assert from 'node:assert/strict';
import {
  isRegistryError, matchingTags, newImages, RegistryClient, RegistryError, seenImages, type RegistryErrorKind,
} from '../../../src/triggers/docker-registry.ts';
import { freePorts } from '../../cluster/probe.ts';
import { LocalRegistry } from '../../support/registry.ts';

async function rejectsWith(p: Promise<unknown>, kind: RegistryErrorKind, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isRegistryError(err, kind), `expected a ${kind} RegistryError, got ${String(err)}`);
    assert.match((err as RegistryError).message, message);
    return true;
  });
}

describe('the registry client against a real registry', function () {
  this.timeout(120_000);

  describe('an open registry', () => {
    let registry: LocalRegistry;
    before(async () => { registry = await LocalRegistry.start(); });
    after(async () => { await registry?.stop(); });

    it('lists tags, reads their digests, and sees a re-pushed tag with new content as new', async () => {
      const v1 = await registry.push('team/app', 'v1', { 'app.txt': 'one' });
      const v2 = await registry.push('team/app', 'v2', { 'app.txt': 'two' });
      await registry.copy('team/app', 'v2', 'latest');
      const client = new RegistryClient(registry.host);

      const tags = await client.listTags('team/app');
      assert.deepEqual([...tags].sort(), ['latest', 'v1', 'v2']);
      const matched = matchingTags(tags, undefined);
      assert.deepEqual([...matched].sort(), ['v1', 'v2'], 'with no pattern, latest does not match');
      const first = await client.images('team/app', matched);
      assert.deepEqual(new Map(first.map((i) => [i.tag, i.digest])), new Map([['v1', v1], ['v2', v2]]));
      assert.notEqual(v1, v2);

      const v1Again = await registry.push('team/app', 'v1', { 'app.txt': 'one, fixed' });
      assert.notEqual(v1Again, v1, 'new content, new digest');
      assert.equal(await client.tagDigest('team/app', 'v1'), v1Again);
      const second = await client.images('team/app', matchingTags(await client.listTags('team/app')));
      assert.deepEqual(newImages(second, seenImages(first)), [{ tag: 'v1', digest: v1Again }]);

      assert.equal(await registry.push('team/app', 'v2', { 'app.txt': 'two' }), v2, 'the same content pushed again keeps its digest');
      const third = await client.images('team/app', ['v1', 'v2']);
      assert.deepEqual(newImages(third, seenImages(second)), [], 'nothing new');
    });

    it('reads the digest of OCI manifests, Docker manifests and image indexes alike', async () => {
      const oci = await registry.push('team/kinds', 'oci', { 'a.txt': 'oci' }, true);
      const docker = await registry.push('team/kinds', 'docker', { 'a.txt': 'docker' });
      const index = await registry.pushIndex('team/kinds', 'multi', ['oci', 'docker']);
      const client = new RegistryClient(registry.host);
      assert.equal(await client.tagDigest('team/kinds', 'oci'), oci);
      assert.equal(await client.tagDigest('team/kinds', 'docker'), docker);
      assert.equal(await client.tagDigest('team/kinds', 'multi'), index);
      assert.equal(new Set([oci, docker, index]).size, 3);
    });

    it('says which repository or tag is missing, and skips a listed tag that is gone by the time its digest is read', async () => {
      await registry.push('team/present', 'v1', { 'a.txt': 'x' });
      const client = new RegistryClient(registry.host);
      await rejectsWith(client.listTags('team/absent'), 'NotFound',
        new RegExp(`^registry ${registry.host}, repository "team/absent": no such repository .*NAME_UNKNOWN.*check the trigger's docker.repository`));
      await rejectsWith(client.tagDigest('team/present', 'v9'), 'NotFound', /repository "team\/present": no tag "v9"/);
      assert.deepEqual((await client.images('team/present', ['v9', 'v1'])).map((i) => i.tag), ['v1']);
    });

    it('says a registry that does not answer is unreachable, and that polling again may help', async () => {
      const [port] = await freePorts(1);
      const err = await new RegistryClient(`127.0.0.1:${port}`).listTags('team/app').catch((e: unknown) => e);
      assert.ok(isRegistryError(err, 'Unreachable'), String(err));
      assert.match(err.message, /cannot be reached at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): check the trigger's docker.registry/);
      assert.equal(err.retryable, true);
    });
  });

  describe('a registry behind basic auth', () => {
    let registry: LocalRegistry;
    before(async () => {
      registry = await LocalRegistry.start({ auth: 'basic' });
      await registry.push('team/app', 'v1', { 'a.txt': 'basic' });
    });
    after(async () => { await registry?.stop(); });

    it('reads tags and digests with the credentials', async () => {
      const client = new RegistryClient(registry.host, { credentials: registry.credentials });
      assert.deepEqual(await client.listTags('team/app'), ['v1']);
      assert.equal(await client.tagDigest('team/app', 'v1'), await registry.digest('team/app', 'v1'));
    });

    it('asks for credentials without them, and refuses wrong ones, naming the user', async () => {
      await rejectsWith(new RegistryClient(registry.host).listTags('team/app'), 'Unauthorized',
        /repository "team\/app": the registry asks for credentials: give the trigger a Secret/);
      const wrong = new RegistryClient(registry.host, { credentials: { username: registry.credentials.username, password: 'wrong' } });
      const err = await wrong.listTags('team/app').catch((e: unknown) => e);
      assert.ok(isRegistryError(err, 'Unauthorized'), String(err));
      assert.match(err.message, /refused the credentials of user "tester" .*check the username and password in the trigger's Secret/);
      assert.equal(err.retryable, false);
    });
  });

  describe('a registry behind the bearer-token flow', () => {
    let registry: LocalRegistry;
    before(async () => {
      registry = await LocalRegistry.start({ auth: 'token' });
      await registry.push('team/app', 'v1', { 'a.txt': 'token' });
    });
    after(async () => { await registry?.stop(); });

    it('exchanges the credentials for a token at the realm and keeps it while it lasts', async () => {
      const digest = await registry.digest('team/app', 'v1');
      const client = new RegistryClient(registry.host, { credentials: registry.credentials });
      const before = registry.tokens!.requests.length;
      assert.deepEqual(await client.listTags('team/app'), ['v1']);
      assert.equal(await client.tagDigest('team/app', 'v1'), digest);
      const asked = registry.tokens!.requests.slice(before);
      assert.deepEqual(asked, [{ user: 'tester', service: 'staysail-test-registry', scopes: ['repository:team/app:pull'], granted: true }],
        'one token, for pulling this repository, served both calls');
    });

    it('says the token server refused wrong credentials, and that anonymous access is not enough', async () => {
      const wrong = new RegistryClient(registry.host, { credentials: { username: 'tester', password: 'wrong' } });
      await rejectsWith(wrong.listTags('team/app'), 'Unauthorized',
        /its token server http:\/\/localhost:\d+ refused the credentials of user "tester" \(HTTP 401: UNAUTHORIZED: wrong username or password\)/);
      await rejectsWith(new RegistryClient(registry.host).listTags('team/app'), 'Unauthorized',
        /the registry still asks for credentials after an anonymous token: give the trigger a Secret/);
    });
  });
});
