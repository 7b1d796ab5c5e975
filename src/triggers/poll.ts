// What the polling triggers (docker, git poll mode) share: given what a trigger recorded as seen
// (a version per key: a tag's digest, a branch's commit) and what it reads now, which versions
// start a run and what is recorded next. Pure. The first read records without firing (as
// Spinnaker's Igor does), so a trigger added to an old repository does not start a run per tag.
import { parseDuration } from '../api/duration.ts';

/** A key and the version it has now: a tag and its digest, or a branch and its commit. */
export interface Version { key: string; version: string }

/** How many keys a trigger's status records, and so how many a poll considers. */
export const maxSeen = 200;
/** How often a poll runs unless the trigger says, and the least it may say. */
export const defaultPollMs = 60_000;
export const minPollMs = 10_000;

/** What a poll does: the versions that start runs (oldest record first), and what to record once they have. */
export interface PollPlan { fire: Version[]; seen: Version[] }

/**
 * Plans one poll. seen is undefined before the trigger's first successful read: everything read is
 * then recorded and nothing fires. A key not in seen, or in it with another version, fires. The
 * record keeps the keys read now (keys gone are forgotten), those that fire first, then in the order
 * read, at most maxSeen. Only the first maxSeen read are planned over (the caller reads in a stable
 * order): a key read but never recorded would otherwise fire on every poll.
 */
export function planPoll(seen: readonly Version[] | undefined, everything: readonly Version[]): PollPlan {
  const read = everything.slice(0, maxSeen);
  if (seen === undefined) return { fire: [], seen: read };
  const before = new Map(seen.map((v) => [v.key, v.version]));
  const fire = read.filter((v) => before.get(v.key) !== v.version);
  return { fire, seen: recordAfter(seen, read, fire) };
}

/**
 * The record once fired have started their runs: the keys read, each at the version it fired with
 * or the version it had in seen (a key whose run could not start keeps its old version, or stays
 * out, so the next poll tries it again).
 */
export function recordAfter(seen: readonly Version[], read: readonly Version[], fired: readonly Version[]): Version[] {
  const before = new Map(seen.map((v) => [v.key, v.version]));
  const firedKeys = new Set(fired.map((v) => v.key));
  const kept = read.filter((v) => !firedKeys.has(v.key) && before.has(v.key)).map((v) => ({ key: v.key, version: before.get(v.key)! }));
  return [...fired, ...kept].slice(0, maxSeen);
}

/** A trigger's poll interval in ms: its duration, or the default; an error naming the field when it is not one or is too short. */
export function pollIntervalMs(text: string | undefined, field: string): number | { error: string } {
  if (!text) return defaultPollMs;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    return { error: `${field}: ${(err as Error).message}` };
  }
  return ms < minPollMs ? { error: `${field} "${text}" is shorter than 10s; poll at most every 10 seconds` } : ms;
}

/** Whether a poll is due: never polled, or the interval passed since the last one. */
export const isPollDue = (lastPoll: number | undefined, intervalMs: number, now: number): boolean =>
  lastPoll === undefined || now - lastPoll >= intervalMs;
