// The golden objects of objects.yaml, each with the status kstatus gives it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/core/kube-client.ts';

export interface GoldenCase { case: string; status: string; message?: string; object: KubeObject }

export const goldenObjects = (): GoldenCase[] => parse(readFileSync(new URL('./objects.yaml', import.meta.url), 'utf8')) as GoldenCase[];
