// ARM's asynchronous operations as the Azure fake runs them. A PUT or PATCH answers 201/200 with an
// Azure-AsyncOperation header; a DELETE or POST action answers 202 with Azure-AsyncOperation and
// Location (as Compute and Network send both). The Azure-AsyncOperation URL answers {status:
// "InProgress"} and then {status: "Succeeded"} or {status: "Failed", error: {code, message}}; the
// Location URL answers 202 while the operation runs, then 200 (204 after a DELETE), or the failure's
// status with its error body. Every answer carries Retry-After: 0.
// Caveat: @azure/core-lro 3.4 reads Retry-After: 0 as "no advice" and waits its own interval (2 s
// unless the call passes updateIntervalInMs) between polls; its first poll is immediate, so
// timing.inProgressPolls = 0 ends an operation at the first poll (no wait at all).
// What an operation does to the world happens when it ends: onDone, or onFail when a failure was
// injected for it (server.ts failNext with {operation: 'Failed'}). An operation nobody polls ends by
// itself after timing.settleAfterMs, as Azure's work goes on whether or not anyone looks.
import { randomUUID } from 'node:crypto';
import { ArmError } from './errors.ts';

type Json = Record<string, unknown>;

/** How operations progress. */
export interface OperationTiming {
  /** Polls that answer InProgress before the operation ends; default 1. */
  inProgressPolls: number;
  /** After this long an operation ends however often it was polled; default 2000. */
  settleAfterMs: number;
}

export interface OperationStart {
  /** Microsoft.Compute or Microsoft.Network: the operation URLs are the provider's. */
  provider: string;
  subscription: string;
  location: string;
  /** The API version the URLs carry, as the service puts its own in them. */
  apiVersion: string;
  /** DELETE answers 204 at its Location when done, others 200. */
  method: string;
  failure?: { code: string; message: string };
  onDone?: () => void;
  onFail?: () => void;
}

interface Tracked { id: string; start: OperationStart; polls: number; startedAt: number; endedAt?: number;
  status: 'InProgress' | 'Succeeded' | 'Failed' }

/** An answer the server sends as is. */
export interface Answer { status: number; body?: unknown; headers?: Record<string, string> }

export class Operations {
  timing: OperationTiming = { inProgressPolls: 1, settleAfterMs: 2000 };
  private readonly ops = new Map<string, Tracked>();
  private readonly base: () => string;
  private readonly now: () => number;

  constructor(base: () => string, now: () => number = Date.now) { this.base = base; this.now = now; }

  /** Starts an operation; answers the headers of the call that started it. */
  start(s: OperationStart): Record<string, string> {
    const t: Tracked = { id: randomUUID(), start: s, polls: 0, startedAt: this.now(), status: 'InProgress' };
    this.ops.set(t.id, t);
    const headers: Record<string, string> = { 'azure-asyncoperation': this.url(t, 'status'), 'retry-after': '0' };
    if (s.method === 'DELETE' || s.method === 'POST') headers.location = this.url(t, 'result');
    return headers;
  }

  /** The operation's status document (the Azure-AsyncOperation URL). */
  status(id: string): Answer {
    const t = this.poll(id);
    const body: Json = { name: t.id, status: t.status, startTime: iso(t.startedAt), ...(t.endedAt ? { endTime: iso(t.endedAt) } : {}),
      ...(t.status === 'Failed' ? { error: { code: t.start.failure!.code, message: t.start.failure!.message } } : {}) };
    return { status: 200, body, headers: { 'retry-after': '0' } };
  }

  /** The operation's result (the Location URL): 202 while it runs, then 200/204 or the failure. */
  result(id: string): Answer {
    const t = this.poll(id);
    if (t.status === 'InProgress') return { status: 202, headers: { location: this.url(t, 'result'), 'retry-after': '0' } };
    if (t.status === 'Failed') {
      throw new ArmError(t.start.failure!.code === 'InternalServerError' ? 500 : 400, t.start.failure!.code, t.start.failure!.message);
    }
    return { status: t.start.method === 'DELETE' ? 204 : 200 };
  }

  /** Ends every operation whose time is up. */
  settleDue(): void {
    for (const t of this.ops.values()) if (t.status === 'InProgress' && this.now() - t.startedAt >= this.timing.settleAfterMs) this.end(t);
  }

  /** Ends every operation now (for tests that assert the world after the work). */
  settleAll(): void { for (const t of this.ops.values()) if (t.status === 'InProgress') this.end(t); }

  /** Operations still running. */
  running(): number { return [...this.ops.values()].filter((t) => t.status === 'InProgress').length; }

  reset(): void { this.ops.clear(); this.timing = { inProgressPolls: 1, settleAfterMs: 2000 }; }

  private poll(id: string): Tracked {
    const t = this.ops.get(id);
    if (!t) throw new ArmError(404, 'NotFound', `The operation '${id}' was not found.`);
    if (t.status === 'InProgress' && ++t.polls > this.timing.inProgressPolls) this.end(t);
    return t;
  }

  private end(t: Tracked): void {
    t.endedAt = this.now();
    t.status = t.start.failure ? 'Failed' : 'Succeeded';
    if (t.start.failure) t.start.onFail?.();
    else t.start.onDone?.();
  }

  private url(t: Tracked, kind: 'status' | 'result'): string {
    const s = t.start;
    const segment = s.provider === 'Microsoft.Network' && kind === 'result' ? 'operationResults' : 'operations';
    const monitor = s.provider === 'Microsoft.Compute' && kind === 'result' ? 'monitor=true&' : '';
    return `${this.base()}/subscriptions/${s.subscription}/providers/${s.provider}/locations/${s.location}/${segment}/${t.id}` +
      `?${monitor}api-version=${s.apiVersion}`;
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '0000+00:00');
