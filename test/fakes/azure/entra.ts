// Microsoft Entra ID's endpoints as ClientSecretCredential (@azure/identity 4.14.1, MSAL Node under it)
// calls them with a custom authorityHost and instance discovery off: the tenant's OpenID
// configuration (/{tenant}/v2.0/.well-known/openid-configuration), then the client-credentials grant
// at /{tenant}/oauth2/v2.0/token (form body: client_id, client_secret, scope, grant_type). Tokens are
// JWT-shaped (MSAL reads nothing in an access token), their audience the resource the scope asked
// for (`https://host/.default` gives `https://host`); each is remembered until it expires. ARM takes
// only a token it issued for its own endpoint: one for another cloud's Resource Manager (the public
// cloud's management.azure.com sent to a sovereign endpoint) is its 401 InvalidAuthenticationTokenAudience. Refusals carry Entra's JSON and AADSTS codes: 90002 for an
// unknown tenant, 700016 for an unknown client id, 7000215 for a wrong secret.
import { randomBytes, randomUUID } from 'node:crypto';
import { wrongAudience } from './errors.ts';

type Json = Record<string, unknown>;

/** An answer of the token service: a status and a JSON body. */
export interface EntraAnswer { status: number; body: Json }

export interface ServicePrincipal { clientId: string; clientSecret: string }

/** What an issued token stands for. */
export interface IssuedToken { clientId: string; tenantId: string; audience: string; expiresAt: number }

const lifetimeS = 3599;

export class Entra {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly secrets = new Map<string, string>();
  private readonly tenantId: string;
  private readonly base: () => string;
  private readonly now: () => number;

  constructor(tenantId: string, principals: ServicePrincipal[], base: () => string, now: () => number = Date.now) {
    this.tenantId = tenantId;
    this.base = base;
    this.now = now;
    for (const p of principals) this.secrets.set(p.clientId, p.clientSecret);
  }

  /** Gives a service principal a new secret (a rotation): tokens already issued stay good until they expire. */
  setClientSecret(clientId: string, clientSecret: string): void { this.secrets.set(clientId, clientSecret); }

  /**
   * The token's grant when the fake issued it and it has not expired; throws ARM's 401
   * InvalidAuthenticationTokenAudience for one issued for another resource than this endpoint.
   */
  check(token: string): IssuedToken | undefined {
    const t = this.tokens.get(token);
    if (t && t.expiresAt <= this.now()) { this.tokens.delete(token); return undefined; }
    if (t && withoutSlash(t.audience) !== withoutSlash(this.base())) throw wrongAudience(t.audience, this.base());
    return t;
  }

  /** Answers GET and POST under the authority; undefined for a path that is not Entra's. */
  handle(method: string, path: string, form: URLSearchParams): EntraAnswer | undefined {
    const config = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (config && method === 'GET') {
      return this.knownTenant(config[1]!) ? { status: 200, body: this.configuration(config[1]!) }
        : this.refusal(400, 'invalid_tenant', 90002, tenantNotFound(config[1]!));
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (token && method === 'POST') return this.grant(token[1]!, form);
    return undefined;
  }

  private knownTenant(tenant: string): boolean { return tenant.toLowerCase() === this.tenantId.toLowerCase(); }

  private configuration(tenant: string): Json {
    const at = `${this.base()}/${tenant}`;
    return {
      token_endpoint: `${at}/oauth2/v2.0/token`, token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${at}/discovery/v2.0/keys`, response_modes_supported: ['query', 'fragment', 'form_post'], subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'], issuer: `${at}/v2.0`, request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo', authorization_endpoint: `${at}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${at}/oauth2/v2.0/devicecode`, http_logout_supported: true, frontchannel_logout_supported: true,
      end_session_endpoint: `${at}/oauth2/v2.0/logout`, kerberos_endpoint: `${at}/kerberos`, tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com', cloud_graph_host_name: 'graph.windows.net', msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  private grant(tenant: string, form: URLSearchParams): EntraAnswer {
    if (!this.knownTenant(tenant)) return this.refusal(400, 'invalid_request', 90002, tenantNotFound(tenant));
    if (form.get('grant_type') !== 'client_credentials') {
      return this.refusal(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id') ?? '';
    const secret = this.secrets.get(clientId);
    if (secret === undefined) {
      return this.refusal(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory ` +
        `'${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by ` +
        'any user in the tenant. You may have sent your authentication request to the wrong tenant.');
    }
    if (form.get('client_secret') !== secret) {
      return this.refusal(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is ' +
        `the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default'));
    if (!scope) return this.refusal(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).');
    const audience = scope.slice(0, -'/.default'.length);
    const token = this.issue(clientId, audience);
    return { status: 200, body: { token_type: 'Bearer', expires_in: lifetimeS, ext_expires_in: lifetimeS, access_token: token } };
  }

  private issue(clientId: string, audience: string): string {
    const iat = Math.floor(this.now() / 1000);
    const part = (o: Json) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = [part({ typ: 'JWT', alg: 'RS256', kid: 'staysail-azure-fake' }),
      part({ aud: audience, iss: `https://sts.windows.net/${this.tenantId}/`, iat, nbf: iat, exp: iat + lifetimeS, appid: clientId,
        appidacr: '1', idtyp: 'app', oid: randomUUID(), sub: randomUUID(), tid: this.tenantId, ver: '1.0' }),
      randomBytes(32).toString('base64url')].join('.');
    this.tokens.set(token, { clientId, tenantId: this.tenantId, audience, expiresAt: this.now() + lifetimeS * 1000 });
    return token;
  }

  private refusal(status: number, error: string, code: number, description: string): EntraAnswer {
    const trace = randomUUID();
    const correlation = randomUUID();
    const timestamp = new Date(this.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return { status, body: { error, error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} ` +
      `Timestamp: ${timestamp}`, error_codes: [code], timestamp, trace_id: trace, correlation_id: correlation,
    error_uri: `${this.base()}/error?code=${code}` } };
  }
}

const withoutSlash = (url: string): string => url.replace(/\/+$/, '').toLowerCase();

const tenantNotFound = (tenant: string): string => `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID ` +
  'and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active ' +
  'subscriptions for the tenant.';
