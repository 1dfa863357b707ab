// RFC 7662 token introspection and RFC 7009 token revocation through openid-client, including forged tokens.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import * as jose from 'jose';
import { ISSUER, configure, registerMachineClient, rejectsWithChallenge, rejectsWithOAuthError } from '../lib/gatehouse.mjs';

async function freshToken(scope = 'reports:read') {
  const registered = await registerMachineClient(scope);
  const config = await configure(registered);
  const tokens = await client.clientCredentialsGrant(config);
  return { registered, config, token: tokens.access_token };
}

/** An introspection response for a token that must not be honoured: RFC 7662 §2.2 says only active=false. */
function assertInactive(response, what) {
  assert.deepEqual({ ...response }, { active: false }, `${what}: ${JSON.stringify(response)}`);
}

describe('token introspection (RFC 7662)', () => {
  test('a fresh access token is active, with its client, subject, scope, issuer, audience and lifetime', async () => {
    const { registered, config, token } = await freshToken('reports:read reports:write');
    const info = await client.tokenIntrospection(config, token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, registered.client_id);
    assert.equal(info.sub, registered.client_id);
    assert.deepEqual(info.scope.split(' ').sort(), ['reports:read', 'reports:write']);
    assert.equal(info.iss, ISSUER);
    assert.deepEqual([info.aud].flat(), [ISSUER]);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(info.exp > now, 'exp is in the future');
    assert.ok(info.iat <= now + 5, 'iat is not in the future');
    if (info.token_type !== undefined) assert.match(info.token_type, /^bearer$/i);
  });

  test('another confidential client may introspect the token too', async () => {
    const { token, registered } = await freshToken();
    const resourceServer = await configure(await registerMachineClient('rs'), { auth: 'client_secret_basic' });
    const info = await client.tokenIntrospection(resourceServer, token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, registered.client_id);
  });

  test('a token_type_hint is accepted', async () => {
    const { config, token } = await freshToken();
    const info = await client.tokenIntrospection(config, token, { token_type_hint: 'access_token' });
    assert.equal(info.active, true);
  });

  test('garbage is inactive, not an error', async () => {
    const { config } = await freshToken();
    assertInactive(await client.tokenIntrospection(config, 'not-a-token'), 'garbage');
  });

  test('forged tokens are inactive: alg none, HS256 keyed with the public key, and a foreign signing key', async () => {
    const { config, token } = await freshToken();
    const header = jose.decodeProtectedHeader(token);
    const claims = jose.decodeJwt(token);

    const none = new jose.UnsecuredJWT(claims).encode();
    assertInactive(await client.tokenIntrospection(config, none), 'alg none');

    // The classic key-confusion attack: an HMAC keyed with the server's published public key.
    const jwks = await (await fetch(new URL('/.well-known/jwks.json', ISSUER))).json();
    const publicJwk = jwks.keys.find((k) => k.kid === header.kid);
    const pem = await jose.exportSPKI(await jose.importJWK(publicJwk, publicJwk.alg));
    for (const secret of [pem, JSON.stringify(publicJwk)]) {
      const hs256 = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: header.typ, kid: header.kid })
        .sign(new TextEncoder().encode(secret));
      assertInactive(await client.tokenIntrospection(config, hs256), 'HS256 with the public key');
    }

    const { privateKey } = await jose.generateKeyPair('ES256');
    const foreign = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: header.typ, kid: header.kid })
      .sign(privateKey);
    assertInactive(await client.tokenIntrospection(config, foreign), 'foreign key');
  });

  test('introspection with a wrong client secret is invalid_client', async () => {
    const { registered, token } = await freshToken();
    const config = await configure(registered, { secret: 'gcs_wrong' });
    await rejectsWithChallenge(assert, client.tokenIntrospection(config, token), 'Basic', 'invalid_client');
  });
});

describe('token revocation (RFC 7009)', () => {
  test('a revoked access token is inactive at the next introspection', async () => {
    const { config, token } = await freshToken();
    assert.equal((await client.tokenIntrospection(config, token)).active, true);
    await client.tokenRevocation(config, token);
    assertInactive(await client.tokenIntrospection(config, token), 'revoked');
  });

  test('revocation with client_secret_post and a token_type_hint', async () => {
    const registered = await registerMachineClient('a', 'client_secret_post');
    const config = await configure(registered, { auth: 'client_secret_post' });
    const { access_token: token } = await client.clientCredentialsGrant(config);
    await client.tokenRevocation(config, token, { token_type_hint: 'access_token' });
    assertInactive(await client.tokenIntrospection(config, token), 'revoked');
  });

  test('revoking an unknown or already revoked token succeeds (RFC 7009 §2.2)', async () => {
    const { config, token } = await freshToken();
    await client.tokenRevocation(config, 'not-a-token');
    await client.tokenRevocation(config, token);
    await client.tokenRevocation(config, token);
  });

  test('revocation with a wrong client secret is invalid_client, and the token stays active', async () => {
    const { registered, config, token } = await freshToken();
    const wrong = await configure(registered, { secret: 'gcs_wrong' });
    await rejectsWithChallenge(assert, client.tokenRevocation(wrong, token), 'Basic', 'invalid_client');
    assert.equal((await client.tokenIntrospection(config, token)).active, true);
  });

  test("one client cannot revoke another client's token", async () => {
    const { config, token } = await freshToken();
    const other = await configure(await registerMachineClient('b'));
    // RFC 7009 §2.1: the request is refused and the client told so; the token is not revoked.
    await rejectsWithOAuthError(assert, client.tokenRevocation(other, token), 'unauthorized_client', 400);
    assert.equal((await client.tokenIntrospection(config, token)).active, true);
  });
});
