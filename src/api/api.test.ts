import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdFor, renderCrds } from './crd.ts';
import { specProblems } from './validate.ts';
import { kinds } from './v1alpha1/index.ts';

const root = new URL('../..', import.meta.url).pathname;

/** Every property path whose schema has no description. */
function undescribed(node: Record<string, unknown>, path: string, out: string[]): string[] {
  if (typeof node.description !== 'string' || node.description.trim() === '') out.push(path);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    if (name === 'metadata' || name === 'apiVersion' || name === 'kind') continue;
    undescribed(child, `${path}.${name}`, out);
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const child = node[key];
    if (child && typeof child === 'object') undescribed(child as Record<string, unknown>, `${path}[]`, out);
  }
  return out;
}

function samples(): { file: string; doc: { apiVersion: string; kind: string; metadata: { name: string }; spec: unknown } }[] {
  const dir = join(root, 'config/samples');
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)),
    ...readdirSync(join(dir, 'example')).map((f) => join(dir, 'example', f))];
  return files.flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => ({ file, doc: d.toJSON() })));
}

describe('the API schemas', () => {
  it('finds a field without a description (the check below can fail)', () => {
    assert.deepEqual(undescribed({ description: 'x', properties: { a: { type: 'string' }, b: { type: 'array', description: 'b', items: { type: 'string' } } } }, 'K', []),
      ['K.a', 'K.b[]']);
  });

  for (const k of kinds) {
    it(`describes every field of ${k.kind}`, () => {
      const schema = crdFor(k) as { spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] } };
      assert.deepEqual(undescribed(schema.spec.versions[0]!.schema.openAPIV3Schema, k.kind, []), []);
    });
  }

  it('generates crds/ exactly as committed (run `npm run gen` after changing src/api)', () => {
    for (const { file, text } of renderCrds()) assert.equal(readFileSync(join(root, 'crds', file), 'utf8'), text, `crds/${file} drifted`);
    assert.deepEqual(readdirSync(join(root, 'crds')).sort(), renderCrds().map((c) => c.file).sort());
  });

  it('leaves fields the API server defaults out of required', () => {
    const stage = (crdFor(kinds.find((k) => k.kind === 'Pipeline')!) as never as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { stages: { items: { required: string[] } } } } } } } }[] } })
      .spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.stages.items;
    assert.deepEqual(stage.required, ['refId', 'type']);
  });

  it('has a sample of every kind, and every sample is valid', () => {
    const all = samples();
    for (const k of kinds) assert.ok(all.some((s) => s.doc.kind === k.kind), `no sample of ${k.kind}`);
    // Samples may carry the ConfigMaps a pipeline reads; the API server checks those, this test the kinds of Staysail.
    for (const { file, doc } of all.filter((s) => s.doc.apiVersion.startsWith('staysail.dev/'))) {
      assert.deepEqual(specProblems(doc.kind, doc.spec), [], `${file}: ${doc.kind} ${doc.metadata.name}`);
    }
  });

  it('says what to write for every patterned field: in the CRDs a rule with a hint checks the pattern', () => {
    const unhinted: string[] = [];
    const visit = (node: Record<string, unknown>, path: string) => {
      if (typeof node.pattern === 'string') unhinted.push(`${path} (${node.pattern})`);
      const rules = (node['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[];
      for (const r of rules.filter((x) => x.rule.startsWith('self.matches('))) assert.match(r.message, /^use /, `${path}: ${r.rule}`);
      for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) visit(child, `${path}.${name}`);
      for (const key of ['items', 'additionalProperties'] as const) {
        if (node[key] && typeof node[key] === 'object') visit(node[key] as Record<string, unknown>, `${path}[]`);
      }
    };
    for (const k of kinds) visit((crdFor(k) as { spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] } }).spec.versions[0]!.schema.openAPIV3Schema, k.kind);
    assert.deepEqual(unhinted, [], 'add a hint for each of these patterns in src/api/pattern-hints.ts');
    const durations = (crdFor(kinds.find((k) => k.kind === 'Cluster')!) as never as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: {
      properties: { progressDeadline: Record<string, unknown> } } } } } }[] } }).spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.progressDeadline;
    assert.deepEqual(durations['x-kubernetes-validations'], [{ rule: "self.matches(r'^([0-9]+(ms|s|m|h|d))+$')", message: 'use a duration such as 30s, 5m or 1h30m' }]);
  });

  it('names the field of every problem and fills in defaults', () => {
    const spec: Record<string, unknown> = { application: 'demo', stages: [{ refId: 'a', type: 'wait', wait: { duration: 'soon' } }] };
    assert.deepEqual(specProblems('Pipeline', spec), ['spec.stages[0].wait.duration: use a duration such as 30s, 5m or 1h30m, or an expression ${...} that gives one']);
    (spec.stages as { wait: { duration: string } }[])[0]!.wait.duration = '5s';
    assert.deepEqual(specProblems('Pipeline', spec), []);
    assert.equal((spec.stages as { failurePolicy: string }[])[0]!.failurePolicy, 'failPipeline');
    assert.deepEqual(specProblems('Cluster', { moniker: { app: 'Demo' } }), [
      'spec.accountRef: required', 'spec.template: required', 'spec.capacity: required', 'spec.moniker.app: use lower-case letters and digits only, e.g. shop or prod',
    ]);
  });
});
