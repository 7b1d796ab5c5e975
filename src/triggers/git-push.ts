// Reading a git host's push webhook: which header carries its proof, and the branch pushes in its
// own payload shape (GitHub's push event, GitLab's Push Hook, Bitbucket Cloud's repo:push). Pure:
// headers and a parsed body in, pushes out.
import type { IncomingHttpHeaders } from 'node:http';
import { checkSha256Header, checkSha256HeaderForm, checkToken, checkTokenForm, header, type Refusal } from './signatures.ts';

export const gitSources = ['github', 'gitlab', 'bitbucket'] as const;
export type GitSource = (typeof gitSources)[number];

/** One branch moved to a commit: what a git trigger matches and what its run's payload holds. */
export interface BranchPush {
  source: GitSource;
  /** The organisation, group (with subgroups, a/b) or workspace. */
  project: string;
  /** The repository. */
  slug: string;
  /** project/slug. */
  repository: string;
  /** The repository's web page, when the host says. */
  url?: string;
  /** The branch, refs/heads/ stripped. */
  branch: string;
  ref: string;
  /** The commit the branch points to after the push. */
  commit: string;
  /** That commit's message, when the host says. */
  message?: string;
  /** Who pushed. */
  pusher?: string;
}

/** What a webhook call held: branch pushes, or why there is nothing to start (another event, a deleted branch, a tag). */
export type PushReading = { pushes: BranchPush[] } | { ignored: string } | { invalid: string };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? v as Json : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The checks of the host's proof that need no secret (its header is there and well-formed): undefined when they pass. */
export function checkHostSignatureForm(source: GitSource, headers: IncomingHttpHeaders): Refusal | undefined {
  switch (source) {
    case 'github': return checkSha256HeaderForm(header(headers, 'x-hub-signature-256'), 'X-Hub-Signature-256');
    case 'gitlab': return checkTokenForm(header(headers, 'x-gitlab-token'), 'X-Gitlab-Token');
    case 'bitbucket': return checkSha256HeaderForm(header(headers, 'x-hub-signature'), 'X-Hub-Signature');
  }
}

/** Checks the host's proof that the call comes from it: undefined when it holds. */
export function checkHostSignature(source: GitSource, headers: IncomingHttpHeaders, body: Buffer, secret: Buffer): Refusal | undefined {
  switch (source) {
    case 'github': return checkSha256Header(header(headers, 'x-hub-signature-256'), 'X-Hub-Signature-256', secret, body);
    case 'gitlab': return checkToken(header(headers, 'x-gitlab-token'), 'X-Gitlab-Token', secret);
    case 'bitbucket': return checkSha256Header(header(headers, 'x-hub-signature'), 'X-Hub-Signature', secret, body);
  }
}

/** Reads the branch pushes of a call from a host. */
export function readPush(source: GitSource, headers: IncomingHttpHeaders, body: Json): PushReading {
  switch (source) {
    case 'github': return readGitHub(header(headers, 'x-github-event'), body);
    case 'gitlab': return readGitLab(header(headers, 'x-gitlab-event'), body);
    case 'bitbucket': return readBitbucket(header(headers, 'x-event-key'), body);
  }
}

/** project and slug of a path such as group/subgroup/repo: the last segment is the slug. */
function splitPath(path: string | undefined): { project: string; slug: string } | undefined {
  const at = path?.lastIndexOf('/') ?? -1;
  if (!path || at <= 0 || at === path.length - 1) return undefined;
  return { project: path.slice(0, at), slug: path.slice(at + 1) };
}

const zeroCommit = /^0+$/;

function branchOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/** GitHub's push event (X-GitHub-Event: push). */
function readGitHub(event: string | undefined, body: Json): PushReading {
  if (event !== 'push') return { ignored: `GitHub event ${JSON.stringify(event ?? 'none')} is not a push` };
  const repo = obj(body.repository);
  const path = splitPath(str(repo.full_name));
  const ref = str(body.ref);
  const commit = str(body.after);
  if (!path || !ref || !commit) return { invalid: 'a GitHub push needs ref, after and repository.full_name' };
  const branch = branchOf(ref);
  if (!branch) return { ignored: `${ref} is not a branch` };
  if (body.deleted === true || zeroCommit.test(commit)) return { ignored: `branch ${branch} was deleted` };
  const pusher = obj(body.pusher);
  return { pushes: [{ source: 'github', ...path, repository: `${path.project}/${path.slug}`, url: str(repo.html_url), branch, ref, commit,
    message: str(obj(body.head_commit).message), pusher: str(pusher.name) ?? str(obj(body.sender).login) }] };
}

/** GitLab's Push Hook (X-Gitlab-Event: Push Hook, object_kind push). */
function readGitLab(event: string | undefined, body: Json): PushReading {
  if (event !== 'Push Hook') return { ignored: `GitLab event ${JSON.stringify(event ?? 'none')} is not a Push Hook` };
  if (body.object_kind !== 'push') return { ignored: `GitLab object_kind ${JSON.stringify(body.object_kind)} is not a push` };
  const project = obj(body.project);
  const path = splitPath(str(project.path_with_namespace));
  const ref = str(body.ref);
  if (!path || !ref) return { invalid: 'a GitLab push needs ref and project.path_with_namespace' };
  const branch = branchOf(ref);
  if (!branch) return { ignored: `${ref} is not a branch` };
  const commit = str(body.checkout_sha) ?? str(body.after);
  if (!commit || zeroCommit.test(commit)) return { ignored: `branch ${branch} was deleted` };
  const commits = Array.isArray(body.commits) ? body.commits.map(obj) : [];
  return { pushes: [{ source: 'gitlab', ...path, repository: `${path.project}/${path.slug}`, url: str(project.web_url), branch, ref, commit,
    message: str(commits.find((c) => c.id === commit)?.message), pusher: str(body.user_username) ?? str(body.user_name) }] };
}

/** Bitbucket Cloud's repo:push (X-Event-Key: repo:push): one push per branch change. */
function readBitbucket(event: string | undefined, body: Json): PushReading {
  if (event !== 'repo:push') return { ignored: `Bitbucket event ${JSON.stringify(event ?? 'none')} is not repo:push` };
  const repo = obj(body.repository);
  const path = splitPath(str(repo.full_name));
  const changes = obj(body.push).changes;
  if (!path || !Array.isArray(changes)) return { invalid: 'a Bitbucket repo:push needs repository.full_name and push.changes' };
  const actor = obj(body.actor);
  const pushes = changes.map((c) => obj(obj(c).new)).filter((n) => n.type === 'branch' && str(n.name) && str(obj(n.target).hash))
    .map((n): BranchPush => ({ source: 'bitbucket', ...path, repository: `${path.project}/${path.slug}`, url: str(obj(obj(repo.links).html).href),
      branch: str(n.name)!, ref: `refs/heads/${str(n.name)!}`, commit: str(obj(n.target).hash)!, message: str(obj(n.target).message),
      pusher: str(actor.nickname) ?? str(actor.display_name) }));
  return pushes.length ? { pushes } : { ignored: 'the push moved no branch to a commit (a tag, or a deleted branch)' };
}
