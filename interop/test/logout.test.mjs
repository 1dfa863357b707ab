// OpenID Connect RP-Initiated Logout 1.0 as openid-client drives it: discovery of end_session_endpoint, a real sign-in
// through the hosted /login and /consent pages (a small cookie jar plays the browser), then buildEndSessionUrl().
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ISSUER, registerClient, rejectsWithOAuthError } from '../lib/gatehouse.mjs';

const CALLBACK = 'http://localhost:9999/cb';
const BYE = 'http://localhost:9999/bye';
const oidcInsecure = { execute: [client.allowInsecureRequests] };

/** Keeps cookies by name (paths ignored) and never follows redirects, so the test sees each hop. */
class Browser {
  cookies = new Map();

  async fetch(url, init = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie } });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0];
      const i = pair.indexOf('=');
      if (/max-age=0\b/i.test(c) || /expires=Thu, 01.Jan.1970/i.test(c)) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }

  post(path, fields) {
    return this.fetch(new URL(path, ISSUER), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  }
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `field ${name} in ${html.slice(0, 300)}`);
  return m[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

/** Authorization code + PKCE through the hosted pages; returns the redirect to the client, or the page shown. */
async function authorize(browser, config, params) {
  let res = await browser.fetch(client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, ...params }));
  for (let hop = 0; hop < 10; hop++) {
    if (res.status === 302 || res.status === 303) {
      const location = new URL(res.headers.get('location'), ISSUER);
      if (location.href.startsWith(CALLBACK)) return { callback: location };
      res = await browser.fetch(location);
      continue;
    }
    const html = await res.text();
    if (html.includes('name="password"')) {
      if (params.noLogin) return { loginPage: true };
      res = await browser.post('/login', {
        csrf: hidden(html, 'csrf'),
        return_to: hidden(html, 'return_to'),
        email: ADMIN_EMAIL,
        password: ADMIN_PASSWORD,
      });
    } else if (html.includes('name="decision"')) {
      res = await browser.post('/consent', {
        csrf: hidden(html, 'csrf'),
        return_to: hidden(html, 'return_to'),
        decision: 'allow',
      });
    } else {
      throw new Error(`unexpected page ${res.status}: ${html.slice(0, 300)}`);
    }
  }
  throw new Error('too many redirects');
}

/** A sign-in for `scope`: without offline_access its refresh token lives as long as the browser's sign-in. */
async function signIn(browser, config, scope = 'openid') {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const { callback } = await authorize(browser, config, {
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  assert.ok(callback, 'the browser came back to the client');
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
}

async function setUp() {
  const registered = await registerClient({
    client_name: 'interop logout',
    redirect_uris: [CALLBACK],
    post_logout_redirect_uris: [BYE],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid offline_access',
  });
  const config = await client.discovery(
    new URL(ISSUER),
    registered.client_id,
    registered.client_secret,
    client.ClientSecretBasic(registered.client_secret),
    oidcInsecure,
  );
  return { registered, config };
}

describe('RP-Initiated Logout 1.0', () => {
  test('the ID token of the session signs the browser out at once and its tokens stop working', async () => {
    const { config } = await setUp();
    const m = config.serverMetadata();
    assert.equal(m.end_session_endpoint, `${ISSUER}/oauth2/logout`);
    assert.equal(m.check_session_iframe, `${ISSUER}/oauth2/session/iframe`);
    assert.equal(m.backchannel_logout_supported, true);
    assert.equal(m.frontchannel_logout_supported, true);

    const browser = new Browser();
    const tokens = await signIn(browser, config);
    assert.ok(tokens.id_token, 'an ID token');
    assert.ok(tokens.claims().sid, 'with a sid');

    const url = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: BYE,
      state: 'interop-state',
    });
    const res = await browser.fetch(url);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${BYE}?state=interop-state`);

    await rejectsWithOAuthError(assert, client.refreshTokenGrant(config, tokens.refresh_token), 'invalid_grant', 400);
    const again = await authorize(browser, config, {
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
      noLogin: true,
    });
    assert.ok(again.loginPage, 'the next authorization asks for the password again');
  });

  test('a refresh token granted offline_access outlives the logout (Back-Channel Logout 1.0 §2.7)', async () => {
    const { config } = await setUp();
    const browser = new Browser();
    const offline = await signIn(browser, config, 'openid offline_access');
    const online = await signIn(browser, config);
    assert.ok(offline.refresh_token && online.refresh_token, 'two refresh tokens');

    const url = client.buildEndSessionUrl(config, { id_token_hint: online.id_token, post_logout_redirect_uri: BYE });
    assert.equal((await browser.fetch(url)).status, 302);

    await rejectsWithOAuthError(assert, client.refreshTokenGrant(config, online.refresh_token), 'invalid_grant', 400);
    const refreshed = await client.refreshTokenGrant(config, offline.refresh_token);
    assert.ok(refreshed.access_token, 'the offline grant still refreshes');
    const info = await client.fetchUserInfo(config, refreshed.access_token, offline.claims().sub);
    assert.equal(info.sub, offline.claims().sub);
  });

  test('a post_logout_redirect_uri the client did not register is refused without a redirect', async () => {
    const { config } = await setUp();
    const url = client.buildEndSessionUrl(config, { post_logout_redirect_uri: 'http://localhost:9999/elsewhere' });
    const res = await new Browser().fetch(url);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
  });
});
