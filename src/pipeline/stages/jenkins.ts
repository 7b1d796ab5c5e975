// jenkins: starts a Jenkins job with parameters, follows its queue item to the build, waits for the
// build and succeeds or fails with it; outputs the build number, URL, result and the property file's
// keys. The server is a key of the ConfigMap staysail-jenkins in the run's namespace (docs/jenkins.md).
// Idempotent as far as Jenkins allows: the queue item is recorded in the stage's state by the pass
// that queued it, so every later pass (after a crash too) follows that item and never queues another.
// Jenkins takes no idempotency key, so an operator killed between the POST and that status write
// queues the job a second time on its next pass.
import { isJenkinsError, parseProperties, type JenkinsClient } from '../../triggers/jenkins-client.ts';
import { jenkinsClientFor, jenkinsConfigMapName, JenkinsConfigError } from '../../triggers/jenkins-servers.ts';
import type { Outputs, StageOutcome, StageRun, StageType } from './stage-type.ts';

interface JenkinsConfig { master: string; job: string; parameters?: Record<string, unknown>; propertyFile?: string; waitForCompletion?: boolean }
// master and job as evaluated when the build was queued: cancel is called without the stage's config.
type JenkinsState = { master?: string; job?: string; queueId?: number; build?: number; url?: string; nextAt?: string };

/** Between looks at the queue item and the build. */
export const jenkinsPollMs = 3_000;
/** As Spinnaker's jenkins stage: a build may take a while. */
const defaultTimeoutMs = 2 * 3_600_000;

interface Step { s: StageRun; client: JenkinsClient; c: JenkinsConfig; state: JenkinsState; what: string }

export const jenkinsStage: StageType = {
  type: 'jenkins',
  retryable: true,
  defaultTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const state = (s.record.state ?? {}) as JenkinsState;
    // Once queued, the build is followed where it was queued, whatever the expressions give now.
    const c = { ...s.config as unknown as JenkinsConfig, ...(state.master ? { master: state.master } : {}), ...(state.job ? { job: state.job } : {}) };
    // Every status write wakes the run again: keep to the poll interval regardless.
    const notBefore = state.nextAt ? Date.parse(state.nextAt) - s.clock.now() : 0;
    if (notBefore > 0) return { status: 'RUNNING', pollAfterMs: notBefore };
    const what = `job "${c.job}" on Jenkins "${c.master}"`;
    try {
      const client = await jenkinsClientFor(s.client, s.run.metadata.namespace!, c.master);
      const step: Step = { s, client, c, state, what };
      if (state.queueId === undefined) return await start(step);
      if (state.build === undefined) return await follow(step, state.queueId);
      return await watch(step, state.build);
    } catch (err) {
      return failure(s, state, err);
    }
  },
  async cancel(s) {
    const { master, job, queueId, build: known } = (s.record.state ?? {}) as JenkinsState;
    if (queueId === undefined || master === undefined || job === undefined) return;
    const client = await jenkinsClientFor(s.client, s.run.metadata.namespace!, master);
    // The item may have become a build since the last pass: stop that build then.
    const build = known ?? (await client.queueItem(queueId).catch(() => undefined))?.build?.number;
    if (build === undefined) return client.cancelQueueItem(queueId);
    try { await client.stopBuild(job, build); } catch (err) { if (!isJenkinsError(err, 'NotFound')) throw err; }
  },
};

const later = (s: StageRun, state: JenkinsState, ms = jenkinsPollMs): JenkinsState => ({ ...state, nextAt: new Date(s.clock.now() + ms).toISOString() });

/** Checks the parameters against the job's and queues a build. */
async function start({ s, client, c, what }: Step): Promise<StageOutcome> {
  const job = await client.job(c.job);
  const parameters = Object.fromEntries(Object.entries(c.parameters ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const unknown = Object.keys(parameters).filter((k) => !job.parameters.includes(k));
  if (unknown.length) {
    const defined = job.parameters.length ? `it defines ${job.parameters.join(', ')}` : 'it defines no parameters';
    return { status: 'FAILED', final: true, message: `${what} does not define the parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (${defined}), `
      + 'and Jenkins would drop them; remove them from jenkins.parameters or add them to the job' };
  }
  if (!job.buildable) return { status: 'FAILED', message: `${what} is disabled in Jenkins; enable it, or name another job in jenkins.job` };
  const queueId = await client.startBuild(c.job, job.parameters.length > 0, parameters);
  return { status: 'RUNNING', message: `queued ${what} (queue item ${queueId})`, pollAfterMs: 1_000, state: later(s, { master: c.master, job: c.job, queueId }, 1_000) };
}

/** Follows the queue item until it is a build (or cancelled). */
async function follow({ s, client, c, state, what }: Step, queueId: number): Promise<StageOutcome> {
  let item;
  try {
    item = await client.queueItem(queueId);
  } catch (err) {
    if (!isJenkinsError(err, 'NotFound')) throw err;
    return { status: 'FAILED', message: `queue item ${queueId} of ${what} is gone before it became a build (Jenkins forgets items that left its queue after `
      + '5 minutes, and all of them when it restarts); look for the build in Jenkins' };
  }
  if (item.cancelled) return { status: 'FAILED', message: `${what}: queue item ${queueId} was cancelled in Jenkins before it became a build` };
  if (!item.build) {
    return { status: 'RUNNING', message: `${what} waits in Jenkins' queue${item.why ? `: ${item.why.replace(/ Expires in .*$/, '')}` : ''}`,
      pollAfterMs: jenkinsPollMs, state: later(s, state) };
  }
  const outputs: Outputs = { buildNumber: item.build.number, url: item.build.url };
  if (c.waitForCompletion === false) {
    return { status: 'SUCCEEDED', message: `build #${item.build.number} of ${what} started: ${item.build.url}`, outputs,
      state: { ...state, nextAt: undefined, build: item.build.number, url: item.build.url } };
  }
  return { status: 'RUNNING', message: `build #${item.build.number} of ${what} is running: ${item.build.url}`, outputs, pollAfterMs: 1_000,
    state: later(s, { ...state, build: item.build.number, url: item.build.url }, 1_000) };
}

/** Waits for the build; on SUCCESS reads the property file. */
async function watch({ s, client, c, state, what }: Step, number: number): Promise<StageOutcome> {
  const b = await client.build(c.job, number);
  const url = b.url || state.url || '';
  const outputs: Outputs = { buildNumber: b.number, url };
  if (b.building || b.result === null) {
    return { status: 'RUNNING', message: `build #${number} of ${what} is running: ${url}`, outputs, pollAfterMs: jenkinsPollMs, state: later(s, state) };
  }
  outputs.result = b.result;
  const done = { master: state.master, job: state.job, queueId: state.queueId, build: number, url };
  if (b.result !== 'SUCCESS') return { status: 'FAILED', message: `build #${number} of ${what} ended ${b.result}: ${url}`, outputs, state: done };
  if (c.propertyFile) {
    if (!b.artifacts.includes(c.propertyFile)) {
      const archived = b.artifacts.length ? `it archived ${b.artifacts.join(', ')}` : 'it archived no artifacts';
      return { status: 'FAILED', outputs, state: done, message: `build #${number} of ${what} succeeded but archived no "${c.propertyFile}" (${archived}); `
        + 'archive it in the job (archiveArtifacts), or fix jenkins.propertyFile' };
    }
    outputs.properties = parseProperties(await client.artifact(c.job, number, c.propertyFile));
  }
  return { status: 'SUCCEEDED', message: `build #${number} of ${what} succeeded: ${url}`, outputs, state: done };
}

/** Jenkins that does not answer for now is waited for (within the stage's timeout); everything else fails the stage, saying what to fix. */
function failure(s: StageRun, state: JenkinsState, err: unknown): StageOutcome {
  const c = s.config as unknown as JenkinsConfig;
  if (err instanceof JenkinsConfigError) return { status: 'FAILED', message: `${err.message} (jenkins.master "${c.master}")` };
  if (!isJenkinsError(err)) throw err;
  if (err.retryable) {
    return { status: 'RUNNING', message: `${err.message}; trying again in ${jenkinsPollMs / 1000}s`, pollAfterMs: jenkinsPollMs, state: later(s, state) };
  }
  const fix = err.kind === 'Unauthorized'
    ? `; check the user and API token in the Secret that key "${c.master}" of ConfigMap ${jenkinsConfigMapName} names`
    : err.kind === 'NotFound' && state.queueId === undefined ? '; check jenkins.job (a job in folders is folder/job)' : '';
  return { status: 'FAILED', message: `${err.message}${fix}` };
}
