// Errors in the shape Azure Resource Manager answers them: {"error":{"code","message","target"?,
// "details"?}} (@azure/core-rest-pipeline's RestError carries statusCode, code and message from it).
// Codes and messages follow the ones ARM, Compute and Network are seen to send (azure-cli,
// azure-powershell, terraform-provider-azurerm and cloud-provider-azure issues quote them); where a
// code could not be confirmed the comment says so.

type Json = Record<string, unknown>;

export interface ArmErrorExtra { target?: string; details?: Json[]; headers?: Record<string, string> }

/** An HTTP error answered with ARM's error JSON. */
export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: ArmErrorExtra;

  constructor(status: number, code: string, message: string, extra: ArmErrorExtra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }

  body(): Json {
    return { error: { code: this.code, message: this.message, ...(this.extra.target ? { target: this.extra.target } : {}),
      ...(this.extra.details ? { details: this.extra.details } : {}) } };
  }
}

/** 404 for a top-level resource, as ARM words it ('Microsoft.Compute/virtualMachineScaleSets/x'). */
export const resourceNotFound = (type: string, name: string, group: string): ArmError =>
  new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${group}' was not found. ` +
    'For more details please go to https://aka.ms/ARMResourceNotFoundFix');

/** 404 for a child resource of one that exists (a subnet of a virtual network), as Network words it. */
export const childNotFound = (id: string): ArmError => new ArmError(404, 'NotFound', `Resource ${id} not found.`, { details: [] });

export const resourceGroupNotFound = (group: string): ArmError =>
  new ArmError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);

export const subscriptionNotFound = (subscription: string): ArmError =>
  new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`);

/** 401 without a bearer token; ARM sends a WWW-Authenticate challenge with it. */
export const missingToken = (): ArmError => new ArmError(401, 'AuthenticationFailed',
  "Authentication failed. The 'Authorization' header is missing.", { headers: { 'www-authenticate': challenge('invalid_token',
    "The authentication failed because of missing 'Authorization' header.") } });

/** 401 for a token the fake did not issue (or one that expired). */
export const invalidToken = (): ArmError => new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.',
  { headers: { 'www-authenticate': challenge('invalid_token', 'The access token is invalid.') } });

/** 401 for a token of another resource (another cloud's Resource Manager), as ARM words it. */
export const wrongAudience = (audience: string, endpoint: string): ArmError => new ArmError(401, 'InvalidAuthenticationTokenAudience',
  `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed ` +
  `audiences '${endpoint}/','${endpoint}'.`, { headers: { 'www-authenticate': challenge('invalid_token',
    'The access token has been obtained for wrong audience or resource.') } });

const challenge = (error: string, description: string): string =>
  `Bearer authorization_uri="https://login.microsoftonline.com/common", error="${error}", error_description="${description}"`;

/** 400 InvalidRequestFormat for a body the API cannot read, with one InvalidJson detail per fault. */
export const invalidRequestFormat = (detail: string): ArmError =>
  new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', { details: [{ code: 'InvalidJson', message: detail }] });

/** 400 InvalidParameter naming the property (Compute: "Required parameter 'x' is missing (null)."). */
export const invalidParameter = (message: string, target: string): ArmError =>
  new ArmError(400, 'InvalidParameter', message, { target });

/** 400 for a reference to a resource that is not there, as Network answers it for a scale set's NICs. */
export const invalidReference = (referenced: string, by: string): ArmError =>
  new ArmError(400, 'InvalidResourceReference', `Resource ${referenced} referenced by resource ${by} was not found. ` +
    'Please make sure that the referenced resource exists, and that both resources are in the same region.', { details: [] });

/** 400 for an id that is not a full resource ID, as ARM answers it. */
export const linkedInvalidPropertyId = (id: string, path: string): ArmError =>
  new ArmError(400, 'LinkedInvalidPropertyId', `Property id '${id}' at path '${path}' is invalid. Expect fully qualified ` +
    "resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.");

/** 429 with Retry-After (seconds). */
export const throttled = (retryAfter: number, write: boolean): ArmError =>
  new ArmError(429, 'TooManyRequests', `The request is being throttled as the limit has been reached for operation type - ` +
    `${write ? 'Write' : 'Read'}_1H. For more information, see - https://aka.ms/srpthrottlinglimits`,
  { headers: { 'retry-after': String(retryAfter) } });

export const internalError = (): ArmError => new ArmError(500, 'InternalServerError',
  'An internal server error occurred. Please try again later.');
