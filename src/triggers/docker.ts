// docker triggers: which of a repository's images start runs. Pure: the controller reads the tags
// and their digests from the registry (docker-registry.ts) and gives them here with what the
// trigger's status recorded. One run per new (tag, digest): a new tag, or a tag pushed again with
// another digest; the same digest again starts nothing.
import { createHash } from 'node:crypto';
import type { ImageTag } from './docker-registry.ts';
import { matchingTags } from './docker-registry.ts';
import { maxSeen, planPoll, type Version } from './poll.ts';

/** The docker block of a trigger, as the planner reads it. */
export interface DockerSpec { registry: string; repository: string; tag?: string }

/** What a docker trigger's run carries as its payload. */
export interface DockerPayload { registry: string; repository: string; tag: string; digest: string }

const byNatural = new Intl.Collator('en', { numeric: true });

/**
 * The tags a poll reads digests for: those matching the pattern, at most 200 (the greatest in
 * natural order, so v1.10 counts above v1.9), greatest first. Throws TagPatternError for a bad pattern.
 */
export function tagsToRead(tags: readonly string[], pattern?: string): string[] {
  return matchingTags(tags, pattern).sort((a, b) => byNatural.compare(b, a)).slice(0, maxSeen);
}

/** The images that start runs and the record to keep, from the record and the images read now. */
export function planDocker(seen: readonly ImageTag[] | undefined, read: readonly ImageTag[]): { fire: ImageTag[]; seen: ImageTag[] } {
  const plan = planPoll(seen?.map(toVersion), read.map(toVersion));
  return { fire: plan.fire.map(toImage), seen: plan.seen.map(toImage) };
}

export const toVersion = (i: ImageTag): Version => ({ key: i.tag, version: i.digest });
export const toImage = (v: Version): ImageTag => ({ tag: v.key, digest: v.version });

/** The event part of the run's name: a digest of the tag and the image digest, so the same image makes the same name. */
export const dockerEvent = (image: ImageTag): string =>
  createHash('sha256').update(`${image.tag}@${image.digest}`).digest('hex').slice(0, 12);

export const dockerPayload = (spec: DockerSpec, image: ImageTag): DockerPayload =>
  ({ registry: spec.registry, repository: spec.repository, tag: image.tag, digest: image.digest });
