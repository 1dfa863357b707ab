// Shared set-up for the interoperability suite: where the server is, how to get an administrator's token, how to
// register a client, and how to point openid-client at Gatehouse. Every test file imports this module; new flows
// (authorization code + PKCE, ID tokens, userinfo, refresh, device, PAR, DPoP, logout) add their own test file.
//
// Environment: ISSUER (the server's issuer URL, e.g. http://127.0.0.1:8080), ADMIN_EMAIL, ADMIN_PASSWORD.
import * as client from 'openid-client';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`interop: set ${name} (ISSUER, ADMIN_EMAIL and ADMIN_PASSWORD are required)`);
  return value;
}

export const ISSUER = required('ISSUER');
export const ADMIN_EMAIL = required('ADMIN_EMAIL');
export const ADMIN_PASSWORD = required('ADMIN_PASSWORD');

/** Discovery and request options for a plain-http loopback server (the only insecure thing we allow). */
export const insecure = { algorithm: 'oauth2', execute: [client.allowInsecureRequests] };

let adminTokenPromise;

/** Signs the administrator in once per test file and returns the access token. */
export function adminToken() {
  adminTokenPromise ??= (async () => {
    const res = await fetch(new URL('/v1/auth/login', ISSUER), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status !== 200 || !body?.tokens?.access_token) {
      throw new Error(`admin login failed: ${res.status} ${JSON.stringify(body)}`);
    }
    return body.tokens.access_token;
  })();
  return adminTokenPromise;
}

const STANDARD_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/**
 * Creates the scopes a client is about to register in Gatehouse's scopes table (/v1/admin/scopes), which registration
 * requires; a scope that exists already is kept.
 */
export async function ensureScopes(scope = '') {
  for (const name of scope.split(' ').filter((s) => s && !STANDARD_SCOPES.has(s))) {
    const res = await fetch(new URL('/v1/admin/scopes', ISSUER), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${await adminToken()}`,
      },
      body: JSON.stringify({ name, description: `Interop scope ${name}` }),
    });
    if (res.status !== 201 && res.status !== 409) {
      throw new Error(`scope creation failed: ${res.status} ${await res.text()}`);
    }
  }
}

/**
 * Registers a client over RFC 7591 with the administrator's token as the initial access token and returns the
 * registration response (client_id, client_secret, registration_access_token, registration_client_uri, ...).
 */
export async function registerClient(metadata) {
  await ensureScopes(metadata.scope);
  const res = await fetch(new URL('/oauth2/register', ISSUER), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${await adminToken()}`,
    },
    body: JSON.stringify({ client_name: 'interop', ...metadata }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A confidential machine client allowed the given scope, registered for the given authentication method. */
export function registerMachineClient(scope = 'reports:read reports:write', method = 'client_secret_basic', resources) {
  return registerClient({
    client_name: `interop ${method}`,
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: method,
    scope,
    // Gatehouse's metadata: the RFC 8707 resources an administrator lets this client ask tokens for.
    ...(resources ? { resources } : {}),
  });
}

/**
 * openid-client's Configuration for a registered client, built by RFC 8414 discovery of the issuer.
 * `auth` is 'client_secret_basic' or 'client_secret_post'; `secret` overrides the registered secret (for negative
 * cases).
 */
export function configure(registered, { auth = 'client_secret_basic', secret = registered.client_secret } = {}) {
  const clientAuth = auth === 'client_secret_post' ? client.ClientSecretPost(secret) : client.ClientSecretBasic(secret);
  return client.discovery(new URL(ISSUER), registered.client_id, secret, clientAuth, insecure);
}

/**
 * Records every HTTP exchange openid-client makes through `config` (method, url, status, headers), so tests can
 * check protocol details the library does not surface, such as Cache-Control: no-store on token responses.
 */
export function recordExchanges(config) {
  const seen = [];
  config[client.customFetch] = async (url, options) => {
    const res = await fetch(url, options);
    seen.push({ method: options.method, url: String(url), status: res.status, headers: res.headers });
    return res;
  };
  return seen;
}

/** Asserts, through node:assert, that `promise` rejects with an OAuth error response carrying `error`. */
export async function rejectsWithOAuthError(assert, promise, error, status) {
  await assert.rejects(promise, (err) => {
    assert.ok(
      err instanceof client.ResponseBodyError,
      `expected ResponseBodyError(${error}), got ${err?.constructor?.name}: ${err?.message} ${err?.code ?? ''}`,
    );
    assert.equal(err.error, error, `error code; description: ${err.error_description}`);
    if (status !== undefined) assert.equal(err.status, status, 'HTTP status');
    return true;
  });
}

/**
 * Asserts that `promise` rejects with a 401 whose WWW-Authenticate challenge has `scheme`, and whose JSON body carries
 * `error`. oauth4webapi turns any challenge into WWWAuthenticateChallengeError before it reads the body (the challenge
 * is RFC 6749 §5.2's MUST when the client authenticated with the Authorization header), so the OAuth error code is
 * read from the response the error keeps.
 */
export async function rejectsWithChallenge(assert, promise, scheme, error) {
  let caught;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(
    caught instanceof client.WWWAuthenticateChallengeError,
    `expected WWWAuthenticateChallengeError(${scheme}), got ${caught?.constructor?.name}: ${caught?.message}`,
  );
  assert.equal(caught.status, 401);
  const schemes = caught.cause.map((c) => c.scheme);
  assert.ok(schemes.includes(scheme.toLowerCase()), `challenge schemes ${schemes} include ${scheme}`);
  const body = await caught.response.json();
  assert.equal(body.error, error, `error in the body: ${JSON.stringify(body)}`);
  return { challenges: caught.cause, body };
}
