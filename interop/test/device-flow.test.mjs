// RFC 8628 device authorization grant through openid-client: the device side is initiateDeviceAuthorization() and
// pollDeviceAuthorizationGrant(); the user side is a cookie-keeping fetch through /login and the /device page.
// The user decides before the first poll: the test server's clock stands still, so a second poll would be "too fast".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import { ISSUER, insecure, registerClient, rejectsWithOAuthError } from '../lib/gatehouse.mjs';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PASSWORD = 'Correct-Horse-Battery-9';

async function newUser() {
  const email = `device${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
  const res = await fetch(new URL('/v1/auth/register', ISSUER), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 202, 'registration');
  return email;
}

/** A browser: keeps cookies, follows nothing by itself. */
function browser() {
  const jar = new Map();
  async function go(path, form) {
    const res = await fetch(new URL(path, ISSUER), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
  return { go };
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `field ${name} in ${html}`);
  return m[1].replaceAll('&amp;', '&');
}

/** Opens verification_uri_complete, signs in, confirms the code and answers `decision`. */
async function decide(uriComplete, email, decision) {
  const b = browser();
  const u = new URL(uriComplete);
  const start = await b.go(u.pathname + u.search);
  assert.equal(start.status, 303, 'not signed in: to the login page');
  const login = await b.go(start.location);
  const signedIn = await b.go('/login', {
    csrf: hidden(login.html, 'csrf'),
    return_to: hidden(login.html, 'return_to'),
    email,
    password: PASSWORD,
  });
  assert.equal(signedIn.status, 303, 'signed in: back to /device');
  const entry = await b.go(signedIn.location);
  assert.match(entry.html, /name="user_code"/);
  const code = u.searchParams.get('user_code');
  const confirm = await b.go('/device', { csrf: hidden(entry.html, 'csrf'), user_code: code });
  assert.equal(confirm.status, 200);
  assert.match(confirm.html, /interop TV/, 'the page names the client');
  const done = await b.go('/device', { csrf: hidden(confirm.html, 'csrf'), user_code: code, decision });
  assert.equal(done.status, 200);
  return done.html;
}

async function deviceClient() {
  const registered = await registerClient({
    client_name: 'interop TV',
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    token_endpoint_auth_method: 'none',
    scope: 'openid offline_access',
  });
  assert.equal(registered.redirect_uris, undefined, 'a device client registers without redirect URIs');
  return client.discovery(new URL(ISSUER), registered.client_id, undefined, client.None(), insecure);
}

describe('device authorization grant', () => {
  test('approved on /device: the polling device gets an access token, an ID token and a refresh token', async () => {
    const config = await deviceClient();
    assert.equal(config.serverMetadata().device_authorization_endpoint, `${ISSUER}/oauth2/device_authorization`);
    const da = await client.initiateDeviceAuthorization(config, { scope: 'openid offline_access' });
    assert.match(da.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(da.verification_uri, `${ISSUER}/device`);
    assert.equal(da.expires_in, 600);
    assert.equal(da.interval, 5);

    const html = await decide(da.verification_uri_complete, await newUser(), 'allow');
    assert.match(html, /Device connected/);

    const tokens = await client.pollDeviceAuthorizationGrant(config, da);
    assert.ok(tokens.access_token);
    assert.ok(tokens.refresh_token);
    const claims = tokens.claims(); // the ID token, validated by openid-client (signature, iss, aud, exp)
    assert.equal(claims.aud, config.clientMetadata().client_id);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.access_token);
  });

  test('denied on /device: the device is told access_denied', async () => {
    const config = await deviceClient();
    const da = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    assert.match(await decide(da.verification_uri_complete, await newUser(), 'deny'), /Access denied/);
    await rejectsWithOAuthError(assert, client.pollDeviceAuthorizationGrant(config, da), 'access_denied', 400);
  });
});
