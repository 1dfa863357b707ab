// Pushed authorization requests (RFC 9126) as openid-client sends them: the client pushes, the browser carries only
// client_id and request_uri, the user signs in on the hosted pages, and the code redeems into tokens.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ISSUER, configure, registerClient } from '../lib/gatehouse.mjs';

const CALLBACK = 'http://localhost:9999/cb';

/** A minimal browser: keeps cookies, follows redirects on the server by hand, and stops at the client's callback. */
function browser() {
  const jar = new Map();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  async function go(url, init = {}) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: cookieHeader() } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (/max-age=0/i.test(c) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  async function follow(url, init) {
    let res = await go(url, init);
    let location;
    while ([302, 303].includes(res.status)) {
      location = new URL(res.headers.get('location'), url);
      if (!location.href.startsWith(ISSUER)) return { callback: location };
      url = location;
      res = await go(url);
    }
    return { res, html: await res.text(), url };
  }
  return { follow };
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `field ${name} in ${html}`);
  return m[1].replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
}

function form(fields) {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

/** Drives the hosted login and consent pages from an authorization URL to the client's callback. */
async function signInThrough(authorizationUrl) {
  const b = browser();
  let step = await b.follow(authorizationUrl);
  if (step.html?.includes('name="password"')) {
    step = await b.follow(
      new URL('/login', ISSUER),
      form({ csrf: hidden(step.html, 'csrf'), return_to: hidden(step.html, 'return_to'), email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    );
  }
  if (step.html?.includes('name="decision"')) {
    step = await b.follow(
      new URL('/consent', ISSUER),
      form({ csrf: hidden(step.html, 'csrf'), return_to: hidden(step.html, 'return_to'), decision: 'allow' }),
    );
  }
  assert.ok(step.callback, `ended on the client's redirect URI, not ${step.res?.status} ${step.html}`);
  return step.callback;
}

describe('pushed authorization requests (RFC 9126)', () => {
  test('openid-client pushes the request and completes the code flow with it', async () => {
    const registered = await registerClient({
      grant_types: ['authorization_code'],
      redirect_uris: [CALLBACK],
      scope: 'openid email',
      require_pushed_authorization_requests: true,
    });
    const config = await configure(registered);
    assert.equal(config.serverMetadata().pushed_authorization_request_endpoint, `${ISSUER}/oauth2/par`);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.match(url.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:/);

    const callback = await signInThrough(url);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    assert.ok(tokens.access_token);
    assert.equal(tokens.claims().iss, ISSUER);
    assert.equal(tokens.claims().acr, 'urn:gatehouse:acr:pwd');

    // Spent: the same request_uri answers invalid_request_uri at the client's redirect URI.
    const again = await signInThrough(url);
    assert.equal(again.searchParams.get('error'), 'invalid_request_uri');
  });

  test('a client that requires PAR cannot send the request through the browser', async () => {
    const registered = await registerClient({
      grant_types: ['authorization_code'],
      redirect_uris: [CALLBACK],
      scope: 'openid',
      require_pushed_authorization_requests: true,
    });
    const config = await configure(registered);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const callback = await signInThrough(url);
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
  });
});
