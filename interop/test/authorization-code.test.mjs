// Authorization code + PKCE through the hosted /login and /consent pages, driven headlessly: openid-client builds the
// request and redeems the code; fetch with a small cookie jar plays the browser (it reads the CSRF field from the
// HTML like a browser submits it). Then the ID token is validated (signature through the JWKS, iss, aud, nonce),
// userinfo is read, the refresh token is rotated, and the OpenID Provider metadata is discovered.
import assert from 'node:assert/strict';
import { describe, test, before } from 'node:test';
import { createServer } from 'node:http';
import * as client from 'openid-client';
import { ISSUER, registerClient } from '../lib/gatehouse.mjs';

const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
/** A web client using code id_token (the implicit grant) redirects to https, not localhost (OIDC Registration §2). */
const HYBRID_REDIRECT_URI = 'https://app.example.com/cb';
const PASSWORD = 'Correct-Horse-Battery-9';
/** OIDC discovery (the /.well-known/openid-configuration document), over plain http on loopback only. */
const oidcInsecure = { execute: [client.allowInsecureRequests] };

/** A browser stand-in: remembers cookies per name, never follows redirects by itself. */
class Browser {
  cookies = new Map();

  async request(url, { method = 'GET', form } = {}) {
    const headers = { accept: 'text/html' };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), html: await res.text(), url: String(url) };
  }

  /** Follows redirects while they stay on the server; returns the first page, or the redirect leaving it. */
  async follow(url, options) {
    let r = await this.request(url, options);
    while (r.status >= 300 && r.status < 400) {
      const next = new URL(r.location, r.url);
      if (!next.href.startsWith(`${ISSUER}/`)) return r;
      r = await this.request(next);
    }
    return r;
  }
}

/** The value of a hidden form field, unescaped as a browser would. */
function field(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `the page has a ${name} field:\n${html.slice(0, 500)}`);
  return m[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** Runs the browser part of the flow; returns the redirect to the client (signing in and consenting when asked). */
async function signIn(browser, authorizationUrl, email, { consent = 'allow', redirectUri = REDIRECT_URI } = {}) {
  let page = await browser.follow(authorizationUrl);
  if (page.status === 200 && page.html.includes('name="password"')) {
    page = await browser.follow(new URL('/login', ISSUER), {
      method: 'POST',
      form: { csrf: field(page.html, 'csrf'), return_to: field(page.html, 'return_to'), email, password: PASSWORD },
    });
  }
  if (page.status === 200 && page.html.includes('name="decision"')) {
    page = await browser.follow(new URL('/consent', ISSUER), {
      method: 'POST',
      form: { csrf: field(page.html, 'csrf'), return_to: field(page.html, 'return_to'), decision: consent },
    });
  }
  assert.ok(page.status === 302 || page.status === 303, `a redirect to the client, got ${page.status}\n${page.html.slice(0, 500)}`);
  const location = new URL(page.location, page.url);
  assert.equal(`${location.origin}${location.pathname}`, redirectUri, `redirect to the client: ${location}`);
  return location;
}

async function newUser() {
  const email = `interop-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const res = await fetch(new URL('/v1/auth/register', ISSUER), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, first_name: 'Ada', last_name: 'Lovelace' }),
  });
  assert.equal(res.status, 202, await res.text());
  return email;
}

function registerWebClient() {
  return registerClient({
    client_name: 'interop web app',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email offline_access',
  });
}

/** openid-client configured by OpenID Connect discovery, verifying ID token signatures through the JWKS. */
async function oidcConfig(registered) {
  const config = await client.discovery(
    new URL(ISSUER),
    registered.client_id,
    registered.client_secret,
    client.ClientSecretBasic(registered.client_secret),
    oidcInsecure,
  );
  client.enableNonRepudiationChecks(config);
  return config;
}

/** A fresh authorization request: PKCE S256, state and nonce. */
async function authorizationRequest(config, scope = 'openid profile email offline_access', redirectUri = REDIRECT_URI) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, codeVerifier, state, nonce };
}

describe('authorization code + PKCE (openid-client, headless browser)', () => {
  let registered;
  let config;
  let email;

  before(async () => {
    registered = await registerWebClient();
    config = await oidcConfig(registered);
    email = await newUser();
  });

  test('OpenID Connect discovery advertises the code flow with PKCE S256 and the userinfo endpoint', () => {
    const m = config.serverMetadata();
    assert.equal(m.issuer, ISSUER);
    assert.equal(m.authorization_endpoint, `${ISSUER}/oauth2/authorize`);
    assert.equal(m.userinfo_endpoint, `${ISSUER}/oauth2/userinfo`);
    assert.ok(m.response_types_supported.includes('code'));
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.ok(m.grant_types_supported.includes('authorization_code'));
    assert.ok(m.grant_types_supported.includes('refresh_token'));
    for (const s of ['openid', 'profile', 'email', 'offline_access']) assert.ok(m.scopes_supported.includes(s), s);
    assert.ok(m.id_token_signing_alg_values_supported.includes('RS256'));
    assert.ok(m.subject_types_supported.includes('public'));
  });

  test('prompt=create: the hosted registration, then the new account signs in and the client gets its code', async () => {
    assert.ok(config.serverMetadata().prompt_values_supported.includes('create'));
    const req = await authorizationRequest(config);
    req.url.searchParams.set('prompt', 'create');
    const browser = new Browser();
    const page = await browser.follow(req.url);
    assert.ok(page.html.includes('action="/register"'), `the registration page:\n${page.html.slice(0, 500)}`);
    const created = `interop-created-${Date.now()}@example.com`;
    const done = await browser.request(new URL('/register', ISSUER), {
      method: 'POST',
      form: { csrf: field(page.html, 'csrf'), return_to: field(page.html, 'return_to'), email: created, password: PASSWORD },
    });
    assert.equal(done.status, 200, done.html.slice(0, 500));
    const link = done.html.match(/href="(\/login\?return_to=[^"]+)"/);
    assert.ok(link, `a way on to the sign-in:\n${done.html.slice(0, 500)}`);
    const callback = await signIn(browser, new URL(link[1].replaceAll('&amp;', '&'), ISSUER), created);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: req.codeVerifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    assert.equal(tokens.claims().email, created);
  });

  test('sign in, consent, redeem the code, validate the ID token, read userinfo and refresh', async () => {
    const req = await authorizationRequest(config);
    assert.equal(req.url.searchParams.get('code_challenge_method'), 'S256');
    const callback = await signIn(new Browser(), req.url, email);
    assert.equal(callback.searchParams.get('iss'), ISSUER, 'RFC 9207 iss in the authorization response');

    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: req.codeVerifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.access_token);
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
    const claims = tokens.claims();
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, registered.client_id);
    assert.equal(claims.nonce, req.nonce);
    assert.ok(claims.sub);
    assert.ok(claims.auth_time, 'auth_time');
    assert.ok(claims.at_hash, 'at_hash');
    // The scopes' claims are in the ID token too, for clients that read only it.
    assert.equal(claims.email, email);
    assert.equal(claims.given_name, 'Ada');

    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.sub, claims.sub);
    assert.equal(info.email, email);
    assert.equal(info.given_name, 'Ada');
    assert.equal(info.family_name, 'Lovelace');

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'the refresh token rotates');
    const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
    assert.equal(again.sub, claims.sub);

    // The used refresh token is spent (rotation with reuse detection).
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err) => {
      assert.equal(err.error, 'invalid_grant');
      return true;
    });
  });

  test('the SSO cookie signs the same browser in again without a password, and consent is remembered', async () => {
    const browser = new Browser();
    const first = await authorizationRequest(config, 'openid email');
    await signIn(browser, first.url, email);
    const second = await authorizationRequest(config, 'openid email');
    const page = await browser.follow(second.url);
    assert.ok(page.status === 302 || page.status === 303, `straight back to the client, got ${page.status}`);
    const callback = new URL(page.location, page.url);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: second.codeVerifier,
      expectedState: second.state,
      expectedNonce: second.nonce,
    });
    assert.equal(tokens.claims().nonce, second.nonce);
  });

  test('a wrong PKCE verifier is refused with invalid_grant', async () => {
    const req = await authorizationRequest(config, 'openid');
    const callback = await signIn(new Browser(), req.url, email);
    await assert.rejects(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: req.state,
        expectedNonce: req.nonce,
      }),
      (err) => {
        assert.equal(err.error, 'invalid_grant');
        return true;
      },
    );
  });

  test('denying consent returns access_denied to the client', async () => {
    const other = await registerWebClient();
    const otherConfig = await oidcConfig(other);
    const req = await authorizationRequest(otherConfig, 'openid email');
    const callback = await signIn(new Browser(), req.url, email, { consent: 'deny' });
    await assert.rejects(
      client.authorizationCodeGrant(otherConfig, callback, {
        pkceCodeVerifier: req.codeVerifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      }),
      (err) => {
        assert.equal(err.error, 'access_denied');
        return true;
      },
    );
  });
});

describe('hybrid flow, response_type=code id_token (openid-client useCodeIdTokenResponseType)', () => {
  test('the ID token in the fragment is validated with c_hash and s_hash, and the code redeems into its sid', async () => {
    const registered = await registerClient({
      client_name: 'interop hybrid app',
      // OIDC Registration §2: code id_token needs implicit beside authorization_code.
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token'],
      redirect_uris: [HYBRID_REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid email',
    });
    const config = await oidcConfig(registered);
    client.useCodeIdTokenResponseType(config);
    assert.ok(config.serverMetadata().response_types_supported.includes('code id_token'));
    const req = await authorizationRequest(config, 'openid email', HYBRID_REDIRECT_URI);
    assert.equal(req.url.searchParams.get('response_type'), 'code id_token');

    const callback = await signIn(new Browser(), req.url, await newUser(), { redirectUri: HYBRID_REDIRECT_URI });
    assert.equal(callback.search, '', 'nothing in the query');
    const fragment = new URLSearchParams(callback.hash.slice(1));
    assert.ok(fragment.get('id_token') && fragment.get('code'), `code and id_token in the fragment: ${callback.hash}`);
    const front = JSON.parse(Buffer.from(fragment.get('id_token').split('.')[1], 'base64url'));

    // openid-client checks the fragment's ID token (signature, iss, aud, nonce, c_hash, s_hash) before it redeems.
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: req.codeVerifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    assert.ok(tokens.access_token);
    const claims = tokens.claims();
    assert.equal(claims.sub, front.sub);
    assert.equal(claims.sid, front.sid, 'the session the code opened is the one the first ID token named');
    assert.ok(front.c_hash && front.s_hash && !front.at_hash);
  });
});

describe('native app on the loopback port the system gave it (RFC 8252 §7.3)', () => {
  test('a public client registered with http://127.0.0.1/callback signs in on an ephemeral port and redeems there', async () => {
    const registered = await registerClient({
      client_name: 'interop native app',
      application_type: 'native',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      scope: 'openid email',
    });
    const config = await client.discovery(new URL(ISSUER), registered.client_id, undefined, client.None(), oidcInsecure);

    // The port a listener gets from the system, as a CLI opens one for its callback.
    const listener = createServer();
    await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${listener.address().port}/callback`;
    listener.close();

    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await signIn(new Browser(), url, await newUser(), { redirectUri });

    // openid-client sends the callback's own address (port included) as redirect_uri at the token endpoint.
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    assert.ok(tokens.access_token);
    assert.equal(tokens.claims().aud, registered.client_id);
    assert.equal(tokens.claims().nonce, nonce);
  });
});
