// jenkins triggers: which builds of a polled job start runs. Pure: the controller reads the job's
// builds (jenkins-client.ts) and gives them here with the build number the trigger's status
// recorded. As Spinnaker's Igor: only a completed build with result SUCCESS starts a run, one run
// per build; the first read records the newest completed build without firing. Builds are acted on
// in number order: one that finished while an earlier one still builds waits for it, so a single
// number in status says what is done, across restarts and failovers.
import { createHash } from 'node:crypto';
import { isJenkinsError, jobPath, type JenkinsBuild } from './jenkins-client.ts';
import { jenkinsConfigMapName } from './jenkins-servers.ts';

/** The jenkins block of a trigger, as the planner reads it. */
export interface JenkinsTriggerSpec { master: string; job: string; propertyFile?: string }

/** What a jenkins trigger's run carries as its payload. */
export interface JenkinsPayload {
  master: string;
  job: string;
  buildNumber: number;
  result: string;
  url: string;
  parameters: Record<string, unknown>;
  /** The property file's keys, when the trigger names one. */
  properties?: Record<string, string>;
}

/** What a poll does: the builds that start runs (in number order), and the number to record once they have. */
export interface JenkinsPlan { fire: JenkinsBuild[]; last: number }

/** The result a build must have to start a run (Spinnaker's rule). */
export const firingResult = 'SUCCESS';

/**
 * Plans one poll from the recorded number (undefined before the first read) and the builds Jenkins
 * lists. The first read, and a read whose newest build is below the record (the job was made again
 * and numbers from 1), record the newest completed build and fire nothing. Otherwise the builds
 * above the record are taken in order up to the first still building: each SUCCESS fires, and the
 * record moves past every completed one.
 */
export function planJenkins(recorded: number | undefined, builds: readonly JenkinsBuild[]): JenkinsPlan {
  const sorted = [...builds].sort((a, b) => a.number - b.number);
  const newest = sorted.at(-1)?.number;
  if (recorded === undefined || (newest !== undefined && newest < recorded)) {
    return { fire: [], last: sorted.filter(isCompleted).at(-1)?.number ?? 0 };
  }
  const fire: JenkinsBuild[] = [];
  let last = recorded;
  for (const b of sorted.filter((x) => x.number > recorded)) {
    if (!isCompleted(b)) break;
    if (b.result === firingResult) fire.push(b);
    last = b.number;
  }
  return { fire, last };
}

export const isCompleted = (b: JenkinsBuild): boolean => !b.building && b.result !== null;

/** The event part of the run's name: a digest of the server and job, and the build number. */
export const jenkinsEvent = (spec: JenkinsTriggerSpec, buildNumber: number): string =>
  `${createHash('sha256').update(`${spec.master}\0${spec.job}`).digest('hex').slice(0, 8)}-${buildNumber}`;

/** The run's payload; baseUrl names the build when Jenkins reports no URL for it. */
export function jenkinsPayload(spec: JenkinsTriggerSpec, b: JenkinsBuild, baseUrl: string, properties?: Record<string, string>): JenkinsPayload {
  return {
    master: spec.master, job: spec.job, buildNumber: b.number, result: b.result ?? '',
    url: b.url || `${baseUrl}${jobPath(spec.job)}/${b.number}/`,
    parameters: b.parameters,
    ...(properties ? { properties } : {}),
  };
}

/** Why a SUCCESS build starts no run: it archived no property file of the name the trigger gives. */
export function missingPropertyFile(spec: JenkinsTriggerSpec, b: JenkinsBuild): string | undefined {
  if (!spec.propertyFile || b.artifacts.includes(spec.propertyFile)) return undefined;
  const archived = b.artifacts.length ? `it archived ${b.artifacts.slice(0, 10).join(', ')}` : 'it archived nothing';
  return `build #${b.number} of job "${spec.job}" on Jenkins "${spec.master}" succeeded but archived no "${spec.propertyFile}" (${archived}), `
    + 'so it starts no run; archive the file in the job (archiveArtifacts), or correct jenkins.propertyFile';
}

/** A poll's error as lastError gives it: Jenkins' message and what to check. */
export function describeJenkinsError(err: unknown, spec: JenkinsTriggerSpec): string {
  const message = (err as Error).message;
  if (isJenkinsError(err, 'Unauthorized')) {
    return `${message}; check the user and API token in the Secret that ConfigMap "${jenkinsConfigMapName}" names for "${spec.master}", and that the user has Job/Read on the job`;
  }
  if (isJenkinsError(err, 'NotFound')) return `${message}; check jenkins.job (a job in a folder is folder/job)`;
  if (isJenkinsError(err, 'Unreachable')) return `${message}; check the url of "${spec.master}" in ConfigMap "${jenkinsConfigMapName}" and that the operator can reach it`;
  return message;
}
