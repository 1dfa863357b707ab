#!/usr/bin/env python3
"""Set-up for the oauth part of bench/run.sh (docs/benchmarks.md); standard library only.

Usage: bench/oauth-setup.py <base-url> <admin-email> <admin-password>

Signs the administrator in (POST /v1/auth/login), registers three clients through POST /v1/admin/clients (a machine
client for client_credentials and introspection, the same with RS256 access tokens, a web client for the authorization
code flow), then runs the
authorization code flow with PKCE (S256) as a browser would, for the administrator's account: GET /oauth2/authorize,
the /login form with its CSRF field, the consent page if shown, the code from the redirect to the client (never
followed), and POST /oauth2/token. Prints shell assignments (KEY='value') for run.sh to source; errors go to stderr
with exit status 1.
"""
import base64
import hashlib
import http.cookiejar
import json
import re
import secrets
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request

REDIRECT_URI = "http://127.0.0.1:9/bench-callback"  # never contacted: the code is read from the Location header
USER_SCOPE = "openid profile email"


def fail(message):
    print(f"oauth-setup: {message}", file=sys.stderr)
    sys.exit(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx, which request() below turns into a response


class Browser:
    """Cookies kept across requests, redirects returned to the caller instead of followed."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, url, method="GET", form=None, json_body=None, headers=None):
        url = urllib.parse.urljoin(self.base + "/", url)
        data = None
        h = {"Accept": "text/html"} | (headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
            h["Accept"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=30) as res:
                return res.status, res.headers, res.read().decode(), url
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode(errors="replace"), url

    def follow(self, url, **kwargs):
        """Follows redirects while they stay on the server; returns the first page or the redirect leaving it."""
        status, headers, body, at = self.request(url, **kwargs)
        while 300 <= status < 400:
            nxt = urllib.parse.urljoin(at, headers["Location"])
            if not nxt.startswith(self.base + "/"):
                break
            status, headers, body, at = self.request(nxt)
        return status, headers, body, at


def field(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    if not m:
        fail(f"no {name} field in the page: {html[:300]!r}")
    v = m.group(1)
    for a, b in (("&quot;", '"'), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        v = v.replace(a, b)
    return v


def basic(client_id, secret):
    # RFC 6749 §2.3.1: form-encode id and secret before Base64.
    q = urllib.parse.quote_plus
    return "Basic " + base64.b64encode(f"{q(client_id)}:{q(secret)}".encode()).decode()


def main():
    if len(sys.argv) != 4:
        fail("usage: oauth-setup.py <base-url> <admin-email> <admin-password>")
    base, email, password = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    api = Browser(base)

    status, _, body, _ = api.request("/v1/auth/login", "POST", json_body={"email": email, "password": password})
    if status != 200:
        fail(f"admin login -> {status}: {body[:300]}")
    admin = {"Authorization": "Bearer " + json.loads(body)["tokens"]["access_token"]}

    def register(metadata):
        s, _, b, _ = api.request("/v1/admin/clients", "POST", json_body=metadata, headers=admin)
        if s != 201:
            fail(f"client registration -> {s}: {b[:300]}")
        r = json.loads(b)
        return r["client_id"], r["client_secret"]

    # A client may only register scopes in the scopes table; an existing one (a second run) is kept.
    s, _, b, _ = api.request(
        "/v1/admin/scopes",
        "POST",
        json_body={"name": "bench:read", "description": "Read benchmark data"},
        headers=admin,
    )
    if s not in (201, 409):
        fail(f"scope creation -> {s}: {b[:300]}")

    cc_id, cc_secret = register(
        {
            "client_name": "bench machine client",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "bench:read",
        }
    )
    # The same machine client with RS256 access tokens (access_token_signed_response_alg), for the RS256 row.
    rs_id, rs_secret = register(
        {
            "client_name": "bench machine client RS256",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "bench:read",
            "access_token_signed_response_alg": "RS256",
        }
    )
    web_id, web_secret = register(
        {
            "client_name": "bench web client",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": USER_SCOPE,
        }
    )

    # Authorization code + PKCE in a fresh cookie jar (the browser).
    browser = Browser(base)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": web_id,
            "redirect_uri": REDIRECT_URI,
            "scope": USER_SCOPE,
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    status, headers, html, at = browser.follow("/oauth2/authorize?" + query)
    if status == 200 and 'name="password"' in html:
        form = {"csrf": field(html, "csrf"), "return_to": field(html, "return_to"), "email": email, "password": password}
        status, headers, html, at = browser.follow("/login", method="POST", form=form)
    if status == 200 and 'name="decision"' in html:
        form = {"csrf": field(html, "csrf"), "return_to": field(html, "return_to"), "decision": "allow"}
        status, headers, html, at = browser.follow("/consent", method="POST", form=form)
    if status not in (302, 303):
        fail(f"expected the redirect to the client, got {status}: {html[:300]}")
    location = urllib.parse.urljoin(at, headers["Location"])
    if not location.startswith(REDIRECT_URI):
        fail(f"redirect to {location}, not to the client")
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    if params.get("state") != [state] or "code" not in params:
        fail(f"bad authorization response: {location}")

    status, _, body, _ = api.request(
        "/oauth2/token",
        "POST",
        form={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        headers={"Authorization": basic(web_id, web_secret), "Accept": "application/json"},
    )
    if status != 200:
        fail(f"code exchange -> {status}: {body[:300]}")
    tokens = json.loads(body)
    granted = set(tokens.get("scope", "").split())
    if not set(USER_SCOPE.split()) <= granted:
        fail(f"the user token has scope {tokens.get('scope')!r}, wanted {USER_SCOPE!r}")

    for key, value in (
        ("CC_CLIENT_ID", cc_id),
        ("CC_AUTH", basic(cc_id, cc_secret)),
        ("CC_RS256_AUTH", basic(rs_id, rs_secret)),
        ("USER_ACCESS_TOKEN", tokens["access_token"]),
        ("USER_SCOPE", tokens["scope"]),
        # for the code-flow row: the web client (its consent for the administrator now remembered) and a PKCE pair
        ("WEB_CLIENT_ID", web_id),
        ("WEB_AUTH", basic(web_id, web_secret)),
        ("WEB_REDIRECT_URI", REDIRECT_URI),
        ("PKCE_VERIFIER", verifier),
        ("PKCE_CHALLENGE", challenge),
    ):
        print(f"{key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
