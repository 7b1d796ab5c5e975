import assert from 'node:assert/strict';
import { ApiError } from '../core/errors.ts';
import type { KubeClient, KubeObject } from '../core/kube-client.ts';
import { createRun, runObject, type RunRequest } from './create-run.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'PipelineRun', name: 'release-7', uid: 'u-1', controller: true, blockOwnerDeletion: true };

describe('runObject', () => {
  const cases: { name: string; request: RunRequest; want: KubeObject }[] = [
    { name: 'a run without a name is named by the API server after its pipeline; no parameters, no parameters field',
      request: { namespace: 'shop', pipeline: 'release', parameters: {}, trigger: { type: 'manual', user: 'ana' } },
      want: { metadata: { generateName: 'release-', namespace: 'shop' } as KubeObject['metadata'],
        spec: { pipelineRef: { name: 'release' }, trigger: { type: 'manual', user: 'ana' } } } },
    { name: 'a child run: its deterministic name, labels, owner and the parent in its trigger',
      request: { namespace: 'shop', pipeline: 'smoke', name: 'release-7-smoke', parameters: { env: 'staging' },
        trigger: { type: 'pipeline', payload: { parentRun: 'release-7', parentStage: 'smoke', parentPipeline: 'release' } },
        labels: { 'staysail.dev/parent-run': 'release-7', 'staysail.dev/stage': 'smoke', 'staysail.dev/attempt': '1' }, owner },
      want: { metadata: { name: 'release-7-smoke', namespace: 'shop', ownerReferences: [owner],
        labels: { 'staysail.dev/parent-run': 'release-7', 'staysail.dev/stage': 'smoke', 'staysail.dev/attempt': '1' } },
      spec: { pipelineRef: { name: 'smoke' }, parameters: { env: 'staging' },
        trigger: { type: 'pipeline', payload: { parentRun: 'release-7', parentStage: 'smoke', parentPipeline: 'release' } } } } },
    { name: 'empty labels add no labels field',
      request: { namespace: 'shop', pipeline: 'p', name: 'p-1', labels: {}, trigger: { type: 'manual' } },
      want: { metadata: { name: 'p-1', namespace: 'shop' }, spec: { pipelineRef: { name: 'p' }, trigger: { type: 'manual' } } } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(runObject(c.request), c.want));
});

/** A client whose create answers as the API server would when the names given already exist. */
function client(existing: string[]): KubeClient & { sent: KubeObject[] } {
  const sent: KubeObject[] = [];
  return { sent, async create(_rt: unknown, obj: KubeObject) {
    sent.push(obj);
    if (existing.includes(obj.metadata.name)) throw new ApiError(409, 'AlreadyExists', `pipelineruns "${obj.metadata.name}" already exists`);
    return { ...obj, metadata: { ...obj.metadata, name: obj.metadata.name ?? `${obj.metadata.generateName}x7k2p`, uid: 'new' } };
  } } as unknown as KubeClient & { sent: KubeObject[] };
}

describe('createRun', () => {
  const request: RunRequest = { namespace: 'shop', pipeline: 'smoke', name: 'release-7-smoke', trigger: { type: 'pipeline' } };

  it('creates the run and gives it back', async () => {
    const c = client([]);
    const r = await createRun(c, request);
    assert.equal(r.created, true);
    assert.equal(r.run?.metadata.uid, 'new');
    assert.deepEqual(c.sent, [runObject(request)]);
  });
  it('a named run that exists was made by an earlier pass: not created again, no error', async () => {
    assert.deepEqual(await createRun(client(['release-7-smoke']), request), { name: 'release-7-smoke', created: false });
  });
  it('a run named by the API server is given back with its name', async () => {
    const r = await createRun(client([]), { namespace: 'shop', pipeline: 'release', trigger: { type: 'manual' } });
    assert.equal(r.name, 'release-x7k2p');
  });
  it('other errors are thrown', async () => {
    const refusing = { async create() { throw new ApiError(403, 'Forbidden', 'pipelineruns is forbidden'); } } as unknown as KubeClient;
    await assert.rejects(createRun(refusing, request), /forbidden/);
  });
});
