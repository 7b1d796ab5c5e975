import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  isRegistryError, manifestMediaTypes, matchingTags, newImages, nextPageUrl, parseChallenge, RegistryClient, registryBaseUrl,
  repositoryPath, seenImages, TagPatternError, tagMatcher, type ImageTag,
} from './docker-registry.ts';

describe('docker trigger: which tags match', () => {
  const cases: [pattern: string | undefined, tag: string, matches: boolean][] = [
    [undefined, 'v1.2.3', true],
    [undefined, 'latest', false],
    ['', 'latest', false],
    ['  ', 'main-abc', true],
    ['latest', 'latest', true],
    ['v[0-9]+', 'v12', true],
    ['v[0-9]+', 'v12-rc1', false], // the whole tag must match, as Spinnaker's Java String.matches
    ['v[0-9]+', 'xv12', false],
    ['release-.*|stable', 'stable', true],
    ['release-.*|stable', 'release-7', true],
    ['release-.*|stable', 'unstable', false],
    [' v1 ', 'v1', true], // trimmed, as Spinnaker trims it
  ];
  for (const [pattern, tag, matches] of cases) {
    it(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${tag}`, () => {
      assert.equal(tagMatcher(pattern)(tag), matches);
    });
  }
  it('keeps the order of the tags it is given', () => {
    assert.deepEqual(matchingTags(['b', 'latest', 'a', 'c'], undefined), ['b', 'a', 'c']);
  });
  it('refuses a pattern that is not a regular expression, naming the field and how to write one', () => {
    assert.throws(() => tagMatcher('v(1'), (e: unknown) => e instanceof TagPatternError &&
      /^docker.tag "v\(1" is not a regular expression .*matched against the whole tag/.test(e.message));
  });
});

describe('docker trigger: which images are new', () => {
  const img = (tag: string, digest: string): ImageTag => ({ tag, digest: `sha256:${digest}` });
  it('a tag never seen is new; a tag pushed again with new content is new; the same digest is not', () => {
    const seen = { v1: 'sha256:a', v2: 'sha256:b' };
    assert.deepEqual(newImages([img('v1', 'a'), img('v2', 'c'), img('v3', 'a')], seen), [img('v2', 'c'), img('v3', 'a')]);
  });
  it('a tag named like an Object property is still a tag', () => {
    assert.deepEqual(newImages([img('constructor', 'a')], {}), [img('constructor', 'a')]);
    assert.deepEqual(newImages([img('toString', 'a')], seenImages([img('toString', 'a')])), []);
  });
  it('nothing is new against what the same listing recorded, and whatever is not new was seen with its digest', () => {
    const image = fc.record({ tag: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,8}$/), digest: fc.constantFrom('sha256:a', 'sha256:b', 'sha256:c') });
    fc.assert(fc.property(fc.uniqueArray(image, { selector: (i) => i.tag }), fc.uniqueArray(image, { selector: (i) => i.tag }), (before, now) => {
      assert.deepEqual(newImages(now, seenImages(now)), []);
      const fresh = new Set(newImages(now, seenImages(before)));
      const seen = seenImages(before);
      for (const i of now) assert.equal(fresh.has(i), seen[i.tag] !== i.digest);
    }));
  });
});

describe('registry addresses', () => {
  const cases: [registry: string, base: string][] = [
    ['registry.example.com', 'https://registry.example.com'],
    ['registry.example.com:5000', 'https://registry.example.com:5000'],
    ['localhost:5000', 'http://localhost:5000'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['[::1]:5000', 'http://[::1]:5000'],
    ['docker.io', 'https://registry-1.docker.io'],
    ['http://registry.kube-system.svc:5000/', 'http://registry.kube-system.svc:5000'],
  ];
  for (const [registry, base] of cases) it(`${registry} is reached at ${base}`, () => assert.equal(registryBaseUrl(registry), base));
  it("Docker Hub's one-word repositories are under library/", () => {
    assert.equal(repositoryPath('docker.io', 'nginx'), 'library/nginx');
    assert.equal(repositoryPath('docker.io', 'team/app'), 'team/app');
    assert.equal(repositoryPath('ghcr.io', 'app'), 'app');
  });
});

describe('WWW-Authenticate challenges and Link pages', () => {
  it('reads a bearer challenge, with commas inside quoted values', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'),
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' } });
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
    assert.deepEqual(parseChallenge('Bearer realm=https://a/token, error=insufficient_scope'),
      { scheme: 'bearer', params: { realm: 'https://a/token', error: 'insufficient_scope' } });
    assert.equal(parseChallenge(null), undefined);
    assert.equal(parseChallenge(''), undefined);
  });
  it('follows rel="next", relative or absolute, and nothing else', () => {
    const page = 'https://r.example.com/v2/a/tags/list';
    assert.equal(nextPageUrl('</v2/a/tags/list?last=v2&n=2>; rel="next"', page), 'https://r.example.com/v2/a/tags/list?last=v2&n=2');
    assert.equal(nextPageUrl('<https://other.example.com/p?x=1>; rel=next', page), 'https://other.example.com/p?x=1');
    assert.equal(nextPageUrl('</first>; rel="first", </v2/a/tags/list?last=b>; rel="next"', page), 'https://r.example.com/v2/a/tags/list?last=b');
    assert.equal(nextPageUrl('</prev>; rel="prev"', page), undefined);
    assert.equal(nextPageUrl(null, page), undefined);
  });
});

/** A registry answering from a script: each handler gets the request and returns a Response. */
function scripted(handle: (url: URL, init: RequestInit) => Response) {
  const calls: { method: string; url: string; authorization?: string; accept?: string }[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const headers = (init.headers ?? {}) as Record<string, string>;
    calls.push({ method: init.method ?? 'GET', url: url.toString(), authorization: headers.authorization, accept: headers.accept });
    return handle(url, init);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), { ...init, headers: { 'content-type': 'application/json', ...init.headers } });

describe('the registry client over a scripted registry', () => {
  it('follows the tag list across pages', async () => {
    const pages: Record<string, [string[], string | undefined]> = {
      '': [['a', 'b'], '</v2/team/app/tags/list?last=b&n=2>; rel="next"'],
      b: [['c', 'd'], '</v2/team/app/tags/list?last=d&n=2>; rel="next"'],
      d: [['e'], undefined],
    };
    const { fetch, calls } = scripted((url) => {
      const [tags, link] = pages[url.searchParams.get('last') ?? '']!;
      return json({ name: 'team/app', tags }, link ? { headers: { link } } : {});
    });
    assert.deepEqual(await new RegistryClient('registry.example.com', { fetch }).listTags('team/app'), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(calls.length, 3);
  });

  it('stops at a next page that repeats one already read', async () => {
    const { fetch } = scripted(() => json({ tags: ['a'] }, { headers: { link: '</v2/team/app/tags/list>; rel="next"' } }));
    await assert.rejects(new RegistryClient('r.example.com', { fetch }).listTags('team/app'), /repeats a page already read/);
  });

  it('asks for every manifest kind, and hashes the manifest when the registry sends no digest header', async () => {
    const manifest = '{"schemaVersion":2}';
    const { fetch, calls } = scripted((_, init) => new Response(init.method === 'HEAD' ? null : manifest, { status: 200 }));
    const digest = await new RegistryClient('r.example.com', { fetch }).tagDigest('team/app', 'v1');
    assert.equal(digest, `sha256:${createHash('sha256').update(manifest).digest('hex')}`);
    assert.deepEqual(calls.map((c) => c.method), ['HEAD', 'GET']);
    for (const type of manifestMediaTypes) assert.ok(calls[0]!.accept!.includes(type), type);
  });

  it('exchanges credentials for a bearer token, reuses it until it expires, then fetches another', async () => {
    let now = 0;
    let issued = 0;
    const { fetch, calls } = scripted((url, init) => {
      if (url.host === 'auth.example.com') {
        assert.equal(url.searchParams.get('scope'), 'repository:team/app:pull');
        assert.equal(url.searchParams.get('service'), 'r.example.com');
        return json({ token: `t${++issued}`, expires_in: 300 });
      }
      const auth = (init.headers as Record<string, string>).authorization;
      if (auth !== `Bearer t${issued}` || issued === 0) {
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="r.example.com",scope="repository:team/app:pull"' } });
      }
      return json({ tags: ['v1'] });
    });
    const client = new RegistryClient('r.example.com', { fetch, now: () => now, credentials: { username: 'u', password: 'p' } });
    await client.listTags('team/app');
    await client.listTags('team/app');
    assert.equal(issued, 1, 'the second call reuses the token');
    const tokenCall = calls.find((c) => c.url.startsWith('https://auth.example.com'))!;
    assert.equal(tokenCall.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    now = 291_000;
    await client.listTags('team/app');
    assert.equal(issued, 2, 'a token about to expire is renewed');
  });

  it('says which failures may pass by polling again', async () => {
    const answer = (status: number) => scripted(() => json({ errors: [{ code: 'X', message: 'm' }] }, { status })).fetch;
    const error = (status: number) => new RegistryClient('r.example.com', { fetch: answer(status) }).listTags('a').catch((e: unknown) => e);
    const tooMany = await error(429);
    assert.ok(isRegistryError(tooMany, 'Refused') && tooMany.retryable, String(tooMany));
    assert.match(tooMany.message, /^registry r.example.com, repository "a": the registry answered HTTP 429 for the tag list \(X: m\)$/);
    const down = await error(503);
    assert.ok(isRegistryError(down, 'Refused') && down.retryable);
    const forbidden = await error(403);
    assert.ok(isRegistryError(forbidden, 'Unauthorized') && !forbidden.retryable);
    const missing = await error(404);
    assert.ok(isRegistryError(missing, 'NotFound') && !missing.retryable);
  });

  it('says a 401 with a challenge it cannot answer is unauthorized, naming the challenge', async () => {
    const { fetch } = scripted(() => new Response(null, { status: 401, headers: { 'www-authenticate': 'Negotiate' } }));
    await assert.rejects(new RegistryClient('r.example.com', { fetch }).listTags('a'),
      (e: unknown) => isRegistryError(e, 'Unauthorized') && /WWW-Authenticate: Negotiate/.test(e.message));
  });
});
