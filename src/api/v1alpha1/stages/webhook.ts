// The webhook stage's block.
import { anyValue, arr, int, mapOf, obj, oneOf, optional, str } from '../../schema.ts';
import { expression, stageDuration } from './common.ts';

export const webhookBlock = obj('webhook: call an HTTP endpoint, and optionally poll a status URL until it reports success or failure.', {
  url: str('The URL, http or https; may use expressions.', { maxLength: 4096 }),
  method: oneOf('The HTTP method.', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const, { default: 'POST' }),
  headers: optional(mapOf('Request headers.', str('A header value.', { maxLength: 8192 }))),
  body: optional(anyValue('The request body: JSON, or text.')),
  retries: optional(int('Retries on 5xx answers and connection errors.', { minimum: 0, maximum: 10 })),
  successStatuses: optional(arr('HTTP statuses that count as success (default: any 2xx).', int('A status.', { minimum: 100, maximum: 599 }),
    { listType: 'set', maxItems: 32 })),
  poll: optional(obj('Poll a status URL after the call.', {
    statusUrl: str('URL to poll; may use ${response...} from the first call.', { maxLength: 4096 }),
    interval: stageDuration('Time between polls.'),
    successExpression: expression('An expression over ${response} that means success.'),
    failureExpression: optional(expression('An expression over ${response} that means failure.')),
  })),
});
