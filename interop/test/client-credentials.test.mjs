// RFC 6749 §4.4 client credentials grant through openid-client, with the JWT access token (RFC 9068) validated by
// jose against the published JWKS.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as client from 'openid-client';
import * as jose from 'jose';
import {
  ISSUER,
  configure,
  recordExchanges,
  registerMachineClient,
  rejectsWithChallenge,
  rejectsWithOAuthError,
} from '../lib/gatehouse.mjs';

let jwks;

/** Verifies an access token's signature against the JWKS and its RFC 9068 header and claims. */
async function verifyAccessToken(token, { audience = ISSUER } = {}) {
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: ISSUER,
    audience,
    typ: 'at+jwt',
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
  });
  return { payload, protectedHeader };
}

before(async () => {
  const m = await (await fetch(new URL('/.well-known/oauth-authorization-server', ISSUER))).json();
  jwks = jose.createRemoteJWKSet(new URL(m.jwks_uri));
});

describe('client credentials grant', () => {
  test('client_secret_basic: a signed at+jwt for the client, checked against the JWKS with iss and aud', async () => {
    const registered = await registerMachineClient('reports:read reports:write');
    const config = await configure(registered);
    const exchanges = recordExchanges(config);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'reports:read' });

    assert.equal(tokens.token_type, 'bearer'); // oauth4webapi normalises the case
    assert.ok(tokens.expiresIn() > 0 && tokens.expiresIn() <= 86_400, `expires_in ${tokens.expires_in}`);
    assert.equal(tokens.scope, 'reports:read');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token for client credentials (RFC 6749 §4.4.3)');

    const { payload, protectedHeader } = await verifyAccessToken(tokens.access_token);
    const jwk = (await (await fetch(new URL('/.well-known/jwks.json', ISSUER))).json()).keys.find(
      (k) => k.kid === protectedHeader.kid,
    );
    assert.ok(jwk, `the token's kid ${protectedHeader.kid} is in the JWKS`);
    assert.equal(protectedHeader.alg, jwk.alg);
    assert.equal(payload.sub, registered.client_id);
    assert.equal(payload.client_id, registered.client_id);
    assert.equal(payload.scope, 'reports:read');
    assert.ok(payload.exp > payload.iat);

    const tokenCall = exchanges.find((e) => e.url.endsWith('/oauth2/token'));
    assert.equal(tokenCall.headers.get('cache-control'), 'no-store', 'RFC 6749 §5.1');
  });

  test('client_secret_post: the registered method works and the registered scope applies by default', async () => {
    const registered = await registerMachineClient('inventory:read', 'client_secret_post');
    const config = await configure(registered, { auth: 'client_secret_post' });
    const tokens = await client.clientCredentialsGrant(config);
    assert.equal(tokens.scope, 'inventory:read');
    const { payload } = await verifyAccessToken(tokens.access_token);
    assert.equal(payload.client_id, registered.client_id);
  });

  test('a resource indicator (RFC 8707) becomes the audience, and jose refuses the token for another audience', async () => {
    const resource = 'https://api.example.com/';
    const registered = await registerMachineClient('a', 'client_secret_basic', [resource]);
    const config = await configure(registered);
    const tokens = await client.clientCredentialsGrant(config, { resource });
    const { payload } = await verifyAccessToken(tokens.access_token, { audience: resource });
    assert.deepEqual([payload.aud].flat(), [resource]);
    await assert.rejects(verifyAccessToken(tokens.access_token, { audience: ISSUER }), jose.errors.JWTClaimValidationFailed);
  });

  test('a token whose signature was altered fails JWKS verification', async () => {
    const registered = await registerMachineClient('a');
    const tokens = await client.clientCredentialsGrant(await configure(registered));
    const [h, p, s] = tokens.access_token.split('.');
    const flipped = s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`;
    await assert.rejects(verifyAccessToken(`${h}.${p}.${flipped}`), jose.errors.JWSSignatureVerificationFailed);
  });
});

describe('client credentials grant: refusals', () => {
  // RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401 and a challenge for its scheme.
  test('a wrong client secret (client_secret_basic) is 401 invalid_client with a Basic challenge', async () => {
    const registered = await registerMachineClient('a');
    const config = await configure(registered, { secret: `${registered.client_secret}x` });
    await rejectsWithChallenge(assert, client.clientCredentialsGrant(config), 'Basic', 'invalid_client');
  });

  // For body credentials RFC 6749 §5.2 allows 400 or 401; Gatehouse answers 401, and RFC 9110 §15.5.2 makes every
  // 401 carry a challenge, so openid-client surfaces this as a challenge too.
  test('a wrong client secret sent by client_secret_post is 401 invalid_client', async () => {
    const registered = await registerMachineClient('a', 'client_secret_post');
    const config = await configure(registered, { auth: 'client_secret_post', secret: 'gcs_wrong' });
    await rejectsWithChallenge(assert, client.clientCredentialsGrant(config), 'Basic', 'invalid_client');
  });

  test('an unknown client is invalid_client', async () => {
    const config = await configure({ client_id: 'no-such-client', client_secret: 'whatever' });
    await rejectsWithChallenge(assert, client.clientCredentialsGrant(config), 'Basic', 'invalid_client');
  });

  test('a client registered for client_secret_post cannot authenticate with client_secret_basic', async () => {
    const registered = await registerMachineClient('a', 'client_secret_post');
    const config = await configure(registered, { auth: 'client_secret_basic' });
    await rejectsWithChallenge(assert, client.clientCredentialsGrant(config), 'Basic', 'invalid_client');
  });

  test('asking for more scope than registered is invalid_scope', async () => {
    const registered = await registerMachineClient('a');
    const config = await configure(registered);
    await rejectsWithOAuthError(assert, client.clientCredentialsGrant(config, { scope: 'a admin' }), 'invalid_scope', 400);
  });

  test('the password grant (removed by OAuth 2.1) is unsupported_grant_type', async () => {
    const registered = await registerMachineClient('a');
    const config = await configure(registered);
    await rejectsWithOAuthError(
      assert,
      client.genericGrantRequest(config, 'password', { username: 'admin@example.com', password: 'x' }),
      'unsupported_grant_type',
      400,
    );
  });

  test('an invented grant type is unsupported_grant_type', async () => {
    const registered = await registerMachineClient('a');
    const config = await configure(registered);
    await rejectsWithOAuthError(
      assert,
      client.genericGrantRequest(config, 'urn:example:grant-type:nonsense', { foo: 'bar' }),
      'unsupported_grant_type',
      400,
    );
  });

  test('a resource the client is not registered for is invalid_target (RFC 8707)', async () => {
    const config = await configure(await registerMachineClient('a', 'client_secret_basic', ['https://api.example.com/']));
    await rejectsWithOAuthError(
      assert,
      client.clientCredentialsGrant(config, { resource: 'https://payroll.example.com/' }),
      'invalid_target',
      400,
    );
  });

  test('a malformed resource indicator is invalid_target (RFC 8707)', async () => {
    const registered = await registerMachineClient('a');
    const config = await configure(registered);
    await rejectsWithOAuthError(
      assert,
      client.clientCredentialsGrant(config, { resource: 'not-absolute' }),
      'invalid_target',
      400,
    );
  });
});
