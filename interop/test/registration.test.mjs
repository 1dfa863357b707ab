// RFC 7591 dynamic client registration through openid-client (with an administrator's access token, or with an initial
// access token an administrator made), then the registered client in use, and RFC 7592 management of the registration
// (no openid-client helper exists for RFC 7592, so plain fetch).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import { ISSUER, adminToken, ensureScopes, insecure, rejectsWithChallenge, rejectsWithOAuthError } from '../lib/gatehouse.mjs';

async function register(metadata, initialAccessToken, auth = client.ClientSecretBasic()) {
  await ensureScopes(metadata.scope);
  return client.dynamicClientRegistration(new URL(ISSUER), metadata, auth, { ...insecure, initialAccessToken });
}

const machine = (extra = {}) => ({
  client_name: 'interop dcr',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'inventory:read inventory:write',
  ...extra,
});

describe('dynamic client registration (RFC 7591)', () => {
  test('registers a confidential client that can then get and introspect tokens', async () => {
    const config = await register(machine(), await adminToken());
    const m = config.clientMetadata();
    assert.ok(m.client_id, 'client_id');
    assert.ok(m.client_secret, 'client_secret');
    assert.ok(m.client_secret.length >= 32, 'the generated secret is long');
    assert.equal(m.client_secret_expires_at, 0, 'REQUIRED with a client_secret (RFC 7591 §3.2.1); 0 = never');
    assert.equal(typeof m.client_id_issued_at, 'number');
    assert.ok(m.registration_access_token, 'registration_access_token');
    assert.equal(m.registration_client_uri, `${ISSUER}/oauth2/register/${m.client_id}`);
    assert.equal(m.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(m.grant_types, ['client_credentials']);
    assert.equal(m.client_name, 'interop dcr');

    const tokens = await client.clientCredentialsGrant(config, { scope: 'inventory:read' });
    assert.equal(tokens.scope, 'inventory:read');
    const info = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, m.client_id);
  });

  test('registers a client_secret_post client', async () => {
    const config = await register(
      machine({ token_endpoint_auth_method: 'client_secret_post' }),
      await adminToken(),
      client.ClientSecretPost(),
    );
    assert.equal(config.clientMetadata().token_endpoint_auth_method, 'client_secret_post');
    const tokens = await client.clientCredentialsGrant(config);
    assert.ok(tokens.access_token);
  });

  test('without an initial access token registration is refused with a Bearer challenge', async () => {
    await rejectsWithChallenge(assert, register(machine(), undefined), 'Bearer', 'invalid_token');
  });

  test('with a forged initial access token registration is refused', async () => {
    await rejectsWithChallenge(assert, register(machine(), 'not-a-token'), 'Bearer', 'invalid_token');
  });

  test('a developer registers with an initial access token an administrator made, within its scope and uses', async () => {
    await ensureScopes('inventory:read inventory:write');
    const res = await fetch(new URL('/v1/admin/initial-access-tokens', ISSUER), {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'interop', scope: 'inventory:read', max_uses: 1 }),
    });
    assert.equal(res.status, 201);
    const { initial_access_token: iat } = await res.json();
    assert.match(iat, /^giat_/);

    const config = await register(machine({ scope: undefined }), iat);
    assert.equal(config.clientMetadata().scope, 'inventory:read', "naming no scope, the client gets the token's");
    const tokens = await client.clientCredentialsGrant(config, { scope: 'inventory:read' });
    assert.equal(tokens.scope, 'inventory:read');
    // Its one use is spent.
    await rejectsWithChallenge(assert, register(machine({ scope: undefined }), iat), 'Bearer', 'invalid_token');
  });

  test("a client's own access token is not an initial access token, even with scope clients:write", async () => {
    const clientToken = await client.clientCredentialsGrant(
      await register(machine({ scope: 'clients:write' }), await adminToken()),
    );
    await assert.rejects(register(machine(), clientToken.access_token), (err) => {
      assert.ok([401, 403].includes(err.status), `${err.constructor.name} ${err.status}`);
      return true;
    });
  });

  test('unsupported metadata is invalid_client_metadata', async () => {
    await rejectsWithOAuthError(
      assert,
      register(machine({ token_endpoint_auth_method: 'client_secret_nonsense' }), await adminToken()),
      'invalid_client_metadata',
      400,
    );
    await rejectsWithOAuthError(
      assert,
      register(machine({ grant_types: ['password'] }), await adminToken()),
      'invalid_client_metadata',
      400,
    );
  });

  test('a scope the server does not have is invalid_client_metadata', async () => {
    await rejectsWithOAuthError(
      assert,
      client.dynamicClientRegistration(new URL(ISSUER), machine({ scope: 'inventory:read never:created' }),
        client.ClientSecretBasic(), { ...insecure, initialAccessToken: await adminToken() }),
      'invalid_client_metadata',
      400,
    );
  });

  test('a redirect URI with a fragment is invalid_redirect_uri', async () => {
    await rejectsWithOAuthError(
      assert,
      register(
        {
          client_name: 'web app',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: ['https://app.example.com/cb#fragment'],
        },
        await adminToken(),
      ),
      'invalid_redirect_uri',
      400,
    );
  });
});

describe('client registration management (RFC 7592)', () => {
  async function registered() {
    const config = await register(machine(), await adminToken());
    return { config, m: config.clientMetadata() };
  }

  test('reads the registration with the registration access token, never echoing the secret', async () => {
    const { m } = await registered();
    const res = await fetch(m.registration_client_uri, {
      headers: { authorization: `Bearer ${m.registration_access_token}`, accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.client_id, m.client_id);
    assert.equal(body.registration_client_uri, m.registration_client_uri);
    assert.notEqual(body.client_secret, m.client_secret);
  });

  test('a wrong registration access token is 401 invalid_token', async () => {
    const { m } = await registered();
    const res = await fetch(m.registration_client_uri, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate'), /^Bearer/);
    assert.equal((await res.json()).error, 'invalid_token');
  });

  test('deleting the registration makes the client unable to authenticate', async () => {
    const { config, m } = await registered();
    const res = await fetch(m.registration_client_uri, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${m.registration_access_token}` },
    });
    assert.equal(res.status, 204);
    await rejectsWithChallenge(assert, client.clientCredentialsGrant(config), 'Basic', 'invalid_client');
  });
});
