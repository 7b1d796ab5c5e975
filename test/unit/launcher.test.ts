// The staysail launcher's decisions (bin/project-node.js): which Node is new enough, which Node to
// bring, where it lives, which CLI entry to run, and how to name the command in hints; and that
// the launcher stays parseable by the old Node it exists for.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linter } from 'eslint';
import { cacheDir, cliEntry, invokedAs, isAtLeast, minimumNode, parseVersion, pinnedNode, readMinimumNode, readPinnedNode }
  from '../../bin/project-node.js';
import { repoRoot } from '../cluster/binaries.ts';

describe('the staysail launcher', () => {
  it('reads Node versions the way process.version, engines and versions.env write them', () => {
    const cases: [string, [number, number, number]][] = [
      ['v20.20.2', [20, 20, 2]], ['22.18', [22, 18, 0]], ['>=22.18', [22, 18, 0]], ['24', [24, 0, 0]], ['12.22.12', [12, 22, 12]],
    ];
    for (const [text, want] of cases) assert.deepEqual(parseVersion(text), want, text);
    assert.throws(() => parseVersion('latest'), /"latest" is not a Node version/);
  });

  it('compares versions part by part, numerically', () => {
    const cases: [string, string, boolean][] = [
      ['22.18.0', '22.18', true], ['22.17.9', '22.18', false], ['22.100.0', '22.18', true], ['20.20.2', '22.18', false],
      ['23.0.0', '22.18', true], ['24.22.3', '22.18', true], ['22.18.1', '22.18.2', false], ['9.0.0', '12.0.0', false],
    ];
    for (const [version, minimum, want] of cases) assert.equal(isAtLeast(version, minimum), want, `${version} >= ${minimum}`);
  });

  it('takes the minimum from engines.node, refusing a range it cannot read', () => {
    assert.equal(minimumNode({ engines: { node: '>=22.18' } }), '22.18');
    assert.equal(minimumNode({ engines: { node: '>= 22.18.1' } }), '22.18.1');
    assert.throws(() => minimumNode({ engines: { node: '^22.18 || >=24' } }), /engines.node is "\^22.18 \|\| >=24"; write it as ">=MAJOR.MINOR"/);
    assert.throws(() => minimumNode({}), /engines.node is undefined/);
    assert.throws(() => pinnedNode('KWOK_VERSION=0.8.0\n'), /NODE_VERSION=MAJOR.MINOR.PATCH is missing/);
  });

  it('reads this package: the minimum is 22.18 and the Node it brings meets it', () => {
    assert.equal(readMinimumNode(repoRoot), '22.18');
    const pinned = readPinnedNode(repoRoot);
    assert.match(readFileSync(join(repoRoot, 'hack', 'versions.env'), 'utf8'), new RegExp(`^NODE_VERSION=${pinned.replace(/\./g, '\\.')}$`, 'm'));
    assert.ok(isAtLeast(pinned, readMinimumNode(repoRoot)), `NODE_VERSION ${pinned} is older than engines' minimum`);
  });

  it('keeps Node in the cache folder the shell scripts use', () => {
    assert.equal(cacheDir({ STAYSAIL_CACHE: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' }), '/c');
    assert.equal(cacheDir({ STAYSAIL_CACHE: '', XDG_CACHE_HOME: '/x', HOME: '/h' }), '/x/staysail');
    assert.equal(cacheDir({ HOME: '/h' }), '/h/.cache/staysail');
  });

  it('names the command as it was invoked', () => {
    const cases: [string, string, string][] = [
      ['/usr/local/bin/kubectl-staysail', '/home/me', 'kubectl staysail'],
      ['/tmp/prefix/bin/staysail', '/home/me', 'staysail'],
      ['/home/me/staysail/node_modules/.bin/staysail', '/home/me/staysail', 'staysail'],
      ['/home/me/staysail/bin/staysail.js', '/home/me/staysail', 'node bin/staysail.js'],
      ['/home/me/staysail/bin/staysail.js', '/home/me/staysail/docs', 'node /home/me/staysail/bin/staysail.js'],
      ['/home/me/my code/bin/staysail.js', '/home/me', "node 'my code/bin/staysail.js'"],
      ["/srv/it's/bin/staysail.js", '/', "node 'srv/it'\\''s/bin/staysail.js'"],
    ];
    for (const [script, cwd, want] of cases) assert.equal(invokedAs(script, cwd), want, `${script} from ${cwd}`);
  });

  describe('which CLI entry it runs', () => {
    let dir: string;
    const withSources = (root: string) => {
      mkdirSync(join(root, 'src', 'cli'), { recursive: true });
      writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
      return root;
    };
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'staysail-entry-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('runs the TypeScript sources in a checkout', () => {
      const root = withSources(join(dir, 'checkout'));
      assert.equal(cliEntry(root), join(root, 'src', 'cli', 'main.ts'));
    });
    it('runs dist/ when the package has no sources', () => {
      const root = join(dir, 'package');
      mkdirSync(root);
      assert.equal(cliEntry(root), join(root, 'dist', 'cli', 'main.js'));
    });
    it('runs dist/ under node_modules even with sources there, since Node strips no types there', () => {
      const root = withSources(join(dir, 'lib', 'node_modules', 'staysail'));
      assert.equal(cliEntry(root), join(root, 'dist', 'cli', 'main.js'));
    });
  });

  it('is JavaScript that Node 12.20 parses: ES2020 modules without ?. or ??', () => {
    const linter = new Linter();
    for (const file of ['bin/staysail.js', 'bin/project-node.js']) {
      const messages = linter.verify(readFileSync(join(repoRoot, file), 'utf8'), {
        languageOptions: { ecmaVersion: 2020, sourceType: 'module' },
        rules: { 'no-restricted-syntax': ['error',
          { selector: 'ChainExpression', message: 'optional chaining needs Node 14' },
          { selector: "LogicalExpression[operator='??']", message: '?? needs Node 14' }] },
      });
      assert.deepEqual(messages.map((m) => `${file}:${m.line}: ${m.message}`), []);
    }
  });
});
