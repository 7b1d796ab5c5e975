// The Pipeline's polling triggers, fired by its controller on the leader: docker (a registry's tags
// and digests), git in poll mode (a repository's branch heads) and jenkins (a job's builds). Each
// poll reads, asks a pure planner what fires (src/triggers/poll.ts, jenkins-trigger.ts), starts one
// run per new version or build through startRun, and records what was seen in status.triggers
// (images, heads, lastBuildNumber), so a restarted or failed-over operator fires nothing twice. A
// failed read is the trigger's lastError; polling goes on at its interval.
import type { PipelineTrigger, TriggerStatus } from '../../api/v1alpha1/pipeline.ts';
import { isNotFound } from '../../core/errors.ts';
import type { KubeObject, ResourceType } from '../../core/kube-client.ts';
import { dockerEvent, dockerPayload, tagsToRead, toImage, toVersion } from '../../triggers/docker.ts';
import { RegistryClient, type RegistryCredentials } from '../../triggers/docker-registry.ts';
import { gitEvent, matchingHeads, readBranchHeads, safeUrl } from '../../triggers/git-poll.ts';
import { parseProperties, type JenkinsBuild, type JenkinsClient } from '../../triggers/jenkins-client.ts';
import { jenkinsClientFor } from '../../triggers/jenkins-servers.ts';
import { describeJenkinsError, jenkinsEvent, jenkinsPayload, missingPropertyFile, planJenkins } from '../../triggers/jenkins-trigger.ts';
import { isPollDue, planPoll, pollIntervalMs, recordAfter, type Version } from '../../triggers/poll.ts';
import { fail, iso, ms, retryMs, startRun, type Ctx, type TriggerDeps } from './triggers.ts';

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** What one poll of a trigger reads: the versions now, and how each becomes an event and a payload. */
interface Source {
  /** What is read, as status.triggers[].polled records it. */
  what: string;
  read(): Promise<Version[]>;
  event(v: Version): string;
  payload(v: Version): Record<string, unknown>;
  store(entry: TriggerStatus, seen: Version[]): void;
  seen(entry: TriggerStatus): Version[] | undefined;
}

/** The trigger's poll interval and the field that sets it. */
const intervalOf = (t: PipelineTrigger): [string | undefined, string] =>
  t.type === 'docker' ? [t.docker!.pollInterval, 'docker.pollInterval']
    : t.type === 'jenkins' ? [t.jenkins!.pollInterval, 'jenkins.pollInterval'] : [t.git!.poll!.interval, 'git.poll.interval'];

/** Polls a docker or jenkins trigger, or a git trigger in poll mode, when due; answers when to look again. */
export async function firePoll(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus): Promise<number | undefined> {
  const interval = pollIntervalMs(...intervalOf(t));
  if (typeof interval !== 'number') {
    fail(entry, `Pipeline "${ctx.obj.metadata.name}": trigger "${t.name}": ${interval.error}`);
    return undefined;
  }
  const now = ctx.clock.now();
  const last = ms(entry.lastPollTime);
  if (!isPollDue(last, interval, now)) return last! + interval - now; // lastError stays as the last poll left it
  entry.lastPollTime = iso(now);
  delete entry.lastError;
  if (t.type === 'jenkins') return pollJenkins(deps, ctx, t, entry, interval);
  return pollVersions(deps, ctx, t, entry, interval);
}

/** One poll of a docker trigger or a git trigger in poll mode: versions per key, through planPoll. */
async function pollVersions(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus, interval: number): Promise<number> {
  const source = t.type === 'docker' ? dockerSource(deps, ctx, t) : gitSource(t);
  let read: Version[];
  try {
    read = await source.read();
  } catch (err) {
    fail(entry, `Pipeline "${ctx.obj.metadata.name}": trigger "${t.name}": ${(err as Error).message}`);
    return interval;
  }
  if (entry.polled !== source.what) { delete entry.images; delete entry.heads; entry.polled = source.what; }
  const plan = planPoll(source.seen(entry), read);
  for (const [i, v] of plan.fire.entries()) {
    if (!await startRun(deps, ctx, t, entry, { event: source.event(v), payload: source.payload(v) })) {
      source.store(entry, recordAfter(source.seen(entry)!, read, plan.fire.slice(0, i)));
      delete entry.lastPollTime; // the next pass tries the rest again
      return retryMs;
    }
  }
  source.store(entry, plan.seen);
  return interval;
}

/**
 * One poll of a jenkins trigger: the job's builds, through planJenkins. lastBuildNumber moves past
 * each build once its run started (or it is one that starts none), so a poll cut short by an error
 * goes on from there the next time.
 */
async function pollJenkins(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus, interval: number): Promise<number> {
  const spec = t.jenkins!;
  const what = `${spec.master}/${spec.job}`;
  if (entry.polled !== what) { delete entry.lastBuildNumber; entry.polled = what; }
  try {
    const client = await jenkinsClientFor(deps.client, ctx.obj.metadata.namespace!, spec.master);
    const plan = planJenkins(entry.lastBuildNumber, await client.buildsAfter(spec.job, entry.lastBuildNumber ?? 0));
    for (const b of plan.fire) {
      if (!await fireBuild(deps, ctx, t, entry, { client, b })) {
        delete entry.lastPollTime; // the next pass tries this build again
        return retryMs;
      }
      entry.lastBuildNumber = b.number;
    }
    entry.lastBuildNumber = plan.last;
  } catch (err) {
    fail(entry, `Pipeline "${ctx.obj.metadata.name}": trigger "${t.name}": ${describeJenkinsError(err, spec)}`);
  }
  return interval;
}

/** Starts a SUCCESS build's run, with its property file read; true too for a build that archived no property file and so starts none. */
async function fireBuild(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus,
  { client, b }: { client: JenkinsClient; b: JenkinsBuild }): Promise<boolean> {
  const spec = t.jenkins!;
  const missing = missingPropertyFile(spec, b);
  if (missing) {
    fail(entry, `Pipeline "${ctx.obj.metadata.name}": trigger "${t.name}": ${missing}`);
    ctx.recordEvent('Warning', 'TriggerSkipped', `trigger "${t.name}": ${missing}`);
    return true;
  }
  const properties = spec.propertyFile ? parseProperties(await client.artifact(spec.job, b.number, spec.propertyFile)) : undefined;
  const payload = jenkinsPayload(spec, b, client.baseUrl, properties);
  return startRun(deps, ctx, t, entry, { event: jenkinsEvent(spec, b.number), payload: { ...payload } });
}

function dockerSource(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger): Source {
  const spec = t.docker!;
  return {
    what: `${spec.registry}/${spec.repository}`,
    async read() {
      const credentials = spec.secretRef ? await readCredentials(deps, ctx, spec.secretRef.name) : undefined;
      const client = new RegistryClient(spec.registry, { credentials, now: () => ctx.clock.now() });
      const tags = tagsToRead(await client.listTags(spec.repository), spec.tag);
      return (await client.images(spec.repository, tags)).map(toVersion);
    },
    event: (v) => dockerEvent(toImage(v)),
    payload: (v) => ({ ...dockerPayload(spec, toImage(v)) }),
    seen: (entry) => entry.images?.map(toVersion),
    store: (entry, seen) => { entry.images = seen.map(toImage); },
  };
}

function gitSource(t: PipelineTrigger): Source {
  const git = t.git!;
  const repository = safeUrl(git.poll!.url);
  return {
    what: repository,
    // In a stable order: a poll plans over the first 200 only.
    read: async () => matchingHeads(await readBranchHeads(git.poll!.url), git.branch).map((h) => ({ key: h.branch, version: h.commit }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    event: (v) => gitEvent({ branch: v.key, commit: v.version }),
    payload: (v) => ({ repository, branch: v.key, commit: v.version }),
    seen: (entry) => entry.heads?.map((h) => ({ key: h.branch, version: h.commit })),
    store: (entry, seen) => { entry.heads = seen.map((v) => ({ branch: v.key, commit: v.version })); },
  };
}

/** The registry credentials in the trigger's Secret (keys username and password), read on every poll. */
async function readCredentials(deps: TriggerDeps, ctx: Ctx, name: string): Promise<RegistryCredentials> {
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await deps.client.get(secrets, ctx.obj.metadata.namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new Error(`Secret "${name}" (docker.secretRef) does not exist; create it with the registry's username and password under the keys username and password`, { cause: err });
  }
  const value = (key: string) => {
    const data = secret.data?.[key];
    if (!data) throw new Error(`Secret "${name}" (docker.secretRef) has no key "${key}"; put the registry's username under "username" and its password or token under "password"`);
    return Buffer.from(data, 'base64').toString('utf8');
  };
  return { username: value('username'), password: value('password') };
}
