// What the CRD generator needs to know of a kind, besides its spec and status schemas.
import type { Rule, TSchema } from './schema.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** One paragraph: what the kind is, as `kubectl explain` shows it. */
  description: string;
  spec: TSchema;
  status: TSchema;
  /** CEL rules on the whole object; they may read metadata.name. */
  rules?: Rule[];
  /** Longest metadata.name allowed; bounds the cost of rules that read it. */
  nameMaxLength?: number;
  printerColumns: PrinterColumn[];
}

export const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' };
export const readyColumn: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the object is Ready.' };
export const reasonColumn: PrinterColumn = { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Why it is or is not Ready.' };
