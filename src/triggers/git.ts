// The git trigger: push webhooks from GitHub, GitLab and Bitbucket Cloud at POST
// /webhooks/git/<github|gitlab|bitbucket>, on every replica's --health-addr. A host's webhook carries
// no namespace, so a push is matched against the git triggers of Pipelines in every namespace the
// operator watches: by host, project and slug (case-insensitive) and the branch pattern (the whole
// branch, refs/heads/ stripped). A trigger with a secretRef checks the host's signature with the
// Secret in its Pipeline's namespace and fires only when it holds.
//
// Answers as the webhook trigger does (202 { runs }, 200 { runs: [] }, 401, 415, 400), and 200 with
// `ignored` for events that start nothing (GitHub's ping, tags, deleted branches, other events).
import { json, type Request, type Response, type Router } from '../core/router.ts';
import { candidatesOf, describeCandidate, readTriggerSecret, startRuns, type Candidate, type Firing, type TriggerDeps } from './fire.ts';
import { checkHostSignature, checkHostSignatureForm, gitSources, readPush, type BranchPush, type GitSource } from './git-push.ts';
import { wholeMatch } from './payload.ts';
import type { Refusal } from './signatures.ts';
import { answer, readJsonObject } from './webhook.ts';

/** The largest push webhook accepted (GitHub lists up to 2048 commits; only a summary is kept in the run). */
export const gitMaxBodyBytes = 5 * 1024 * 1024;

/** Registers the git trigger's route on the router every replica serves. */
export function registerGitRoute(router: Router, deps: TriggerDeps): void {
  router.post('/webhooks/git/:source', (req) => receivePush(deps, req), { maxBodyBytes: gitMaxBodyBytes });
}

const isGitSource = (s: string): s is GitSource => (gitSources as readonly string[]).includes(s);

/** Whether a git trigger asks for this push: host, project, slug and branch pattern. */
export function isPushFor(trigger: Candidate['trigger'], push: BranchPush): boolean {
  const git = trigger.git;
  if (!git || git.source !== push.source) return false;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(git.project ?? '', push.project) || !same(git.slug ?? '', push.slug)) return false;
  if (!git.branch) return true;
  try {
    return wholeMatch(git.branch).test(push.branch);
  } catch {
    return false;
  }
}

/**
 * What identifies a push among a trigger's events: the host, the repository, the ref and the commit
 * it moved to. Not the host's delivery id: it is not signed, so a captured push resent under a new id
 * would start a run each time. One run per pushed commit and branch, however often it is delivered.
 */
export const pushEventOf = (push: BranchPush): string =>
  `${push.source}:${push.repository.toLowerCase()}/${push.ref}/${push.commit.toLowerCase()}`;

/** Handles one push webhook. */
export async function receivePush(deps: TriggerDeps, req: Request): Promise<Response> {
  const source = req.params.source!;
  if (!isGitSource(source)) return json({ error: `no git host ${JSON.stringify(source)}: POST to /webhooks/git/github, /webhooks/git/gitlab or /webhooks/git/bitbucket` }, 404);
  const read = readJsonObject(req);
  if ('refused' in read) return read.refused;
  const log = deps.log.with({ source });
  const reading = readPush(source, req.headers, read.body);
  if ('invalid' in reading) return json({ error: reading.invalid }, 400);
  if ('ignored' in reading) {
    log.info('git webhook starts nothing', { why: reading.ignored });
    return json({ runs: [], ignored: reading.ignored });
  }
  // What needs no secret is checked once, first: a call without a well-formed proof reads no Secret.
  const form = checkHostSignatureForm(source, req.headers);
  const firings: Firing[] = [];
  const refusals: string[] = [];
  for (const push of reading.pushes) {
    const candidates = candidatesOf(deps.pipelines.list(), 'git', (t) => isPushFor(t, push));
    if (candidates.length === 0) log.info('git push matched no trigger', { repository: push.repository, branch: push.branch });
    for (const c of candidates) {
      const refusal = await verify(deps, c, req, form);
      if (refusal) refusals.push(refusal);
      else firings.push({ candidate: c, payload: { ...push }, event: pushEventOf(push) });
    }
  }
  const fired = await startRuns(deps, firings);
  return answer(fired.runs, fired.problems, refusals);
}

/** Why the trigger refuses the call (its proof is missing or malformed, or its secret does not sign it), or undefined. */
async function verify(deps: TriggerDeps, c: Candidate, req: Request, form: Refusal | undefined): Promise<Refusal | undefined> {
  const ref = c.trigger.git?.secretRef;
  if (!ref) return undefined;
  let refusal = form;
  if (!refusal) {
    try {
      refusal = checkHostSignature(c.trigger.git!.source!, req.headers, req.body, await readTriggerSecret(deps.client, c, ref, 'git.secretRef'));
    } catch (err) {
      deps.log.error('git trigger cannot check signatures', { error: (err as Error).message });
      refusal = 'the trigger\'s secret cannot be read (the operator\'s log says why)';
    }
  }
  if (refusal) deps.log.warn('git webhook refused: bad signature', { trigger: describeCandidate(c), why: refusal });
  return refusal;
}
