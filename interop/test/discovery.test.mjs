// RFC 8414 authorization server metadata and the JWKS, as openid-client and jose consume them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import * as jose from 'jose';
import { ISSUER, insecure, registerMachineClient } from '../lib/gatehouse.mjs';

describe('discovery (RFC 8414)', () => {
  test('openid-client discovers the issuer and its endpoints', async () => {
    const registered = await registerMachineClient('a');
    const config = await client.discovery(
      new URL(ISSUER),
      registered.client_id,
      registered.client_secret,
      client.ClientSecretBasic(registered.client_secret),
      insecure,
    );
    const m = config.serverMetadata();
    assert.equal(m.issuer, ISSUER);
    for (const endpoint of ['token_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint', 'registration_endpoint']) {
      assert.ok(m[endpoint], `${endpoint} is advertised`);
      assert.ok(m[endpoint].startsWith(`${ISSUER}/`), `${endpoint} (${m[endpoint]}) lives under the issuer`);
    }
    assert.ok(m.grant_types_supported.includes('client_credentials'));
    assert.ok(m.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
    assert.ok(m.token_endpoint_auth_methods_supported.includes('client_secret_post'));
    assert.equal(config.clientMetadata().client_id, registered.client_id);
  });

  test('the metadata document is public, cacheable JSON served at the RFC 8414 well-known path', async () => {
    const res = await fetch(new URL('/.well-known/oauth-authorization-server', ISSUER));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const m = await res.json();
    assert.equal(m.issuer, ISSUER, 'issuer is byte-for-byte the configured issuer');
    assert.ok(Array.isArray(m.response_types_supported), 'response_types_supported is REQUIRED by RFC 8414 §2');
  });

  test('the issuer does not follow the Host header, so a client looking elsewhere rejects the document', async () => {
    const url = new URL(ISSUER);
    const other = new URL(ISSUER);
    other.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    await assert.rejects(
      client.discovery(other, 'anyone', undefined, client.None(), insecure),
      (err) => {
        // openid-client compares the discovered issuer with the URL it was asked for (RFC 8414 §3.3).
        assert.ok(err instanceof client.ClientError, `${err?.constructor?.name}: ${err?.message}`);
        assert.match(String(err.cause?.message ?? err.message), /issuer/);
        return true;
      },
    );
  });

  test('every advertised endpoint exists: none answers 404 or 405', async () => {
    const m = await (await fetch(new URL('/.well-known/oauth-authorization-server', ISSUER))).json();
    const probes = [
      ['jwks_uri', 'GET'],
      ['token_endpoint', 'POST'],
      ['introspection_endpoint', 'POST'],
      ['revocation_endpoint', 'POST'],
      ['registration_endpoint', 'POST'],
    ];
    for (const [name, method] of probes) {
      const res = await fetch(m[name], {
        method,
        headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
        body: method === 'POST' ? '' : undefined,
      });
      assert.ok(![404, 405].includes(res.status), `${name} ${method} ${m[name]} answered ${res.status}`);
    }
  });

  test('the JWKS holds public signing keys only, each with kid, alg and use=sig', async () => {
    const m = await (await fetch(new URL('/.well-known/oauth-authorization-server', ISSUER))).json();
    const res = await fetch(m.jwks_uri);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/(jwk-set\+)?json/);
    const { keys } = await res.json();
    assert.ok(keys.length >= 1);
    const kids = new Set();
    for (const jwk of keys) {
      assert.ok(jwk.kid, 'kid');
      assert.ok(!kids.has(jwk.kid), `kid ${jwk.kid} is unique`);
      kids.add(jwk.kid);
      assert.equal(jwk.use, 'sig');
      assert.ok(jwk.alg, 'alg');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        assert.equal(jwk[secret], undefined, `private member ${secret} is not published`);
      }
      const key = await jose.importJWK(jwk, jwk.alg);
      assert.equal(key.type, 'public');
    }
  });
});
