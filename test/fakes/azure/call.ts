// What the Azure fake's handlers are given and answer, and the resource envelope both services share.
import { randomUUID } from 'node:crypto';
import type { Answer } from './operations.ts';

type Json = Record<string, unknown>;

/** One request, routed: its scope, path parameters, query and (checked) body. */
export interface Call {
  method: string;
  subscription: string;
  group: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  apiVersion: string;
  /** The failure injected for the operation this call starts, if any (taken once). */
  operationFailure: () => { code: string; message: string } | undefined;
}

export type { Answer };

/** A handler of one route. */
export type Handler = (call: Call) => Answer;

/** A JSON answer. */
export const ok = (body: unknown, status = 200, headers: Record<string, string> = {}): Answer => ({ status, body, headers });

/** Network's etags: W/"<uuid>", new on every write. */
export const weakEtag = (): string => `W/"${randomUUID()}"`;

/** The case of an existing key of an object, or the name as given. */
export const keyOf = (o: Json, name: string): string => Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
