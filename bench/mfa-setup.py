#!/usr/bin/env python3
"""Set-up for the mfa part of bench/run.sh (docs/benchmarks.md); standard library only.

Usage: bench/mfa-setup.py accounts <base-url> <users> <accounts-file>
       bench/mfa-setup.py pending <base-url> <accounts-file> <out-file>

"accounts" creates <users> accounts with TOTP turned on, each through the public API as a person would: POST
/v1/auth/register, POST /v1/auth/login, POST /v1/auth/mfa/setup (the secret), POST /v1/auth/mfa/enable with the
current code, and writes "<email> <secret> <last spent step>" per account. "pending" signs each account in again
with its password (POST /v1/auth/login answers mfa_required and an mfa_token) and writes one line per pending login,
"<mfa_token> <code>", where <code> is the TOTP code of the step ten seconds from the end of the round (and later
than the step each account last spent): the server accepts it for 90 s around that step (one step either side),
which covers the wrk run that follows. A TOTP step can be spent only once per account, so each account completes
one sign-in per round; a later round (the measured run after the warm-up) takes a later step.

The server is started by run.sh with a cheap Argon2 cost for this part only: every account costs three password
hashes here, and the measured call (POST /v1/auth/login/mfa) hashes nothing.
"""
import base64
import hashlib
import hmac
import http.client
import json
import struct
import sys
import threading
import time
import urllib.parse

PASSWORD = "Quartz-otter-8f3k2-Zq!x"
WORKERS = 4


def totp(secret_b32, step):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def post(self, path, body, token=None, expect=(200,)):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        try:
            self.conn.request("POST", path, json.dumps(body), headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed this keep-alive connection before reading the request (an idle timeout racing with
            # it): nothing was processed, so the request is sent again on a new connection.
            self.conn.close()
            self.conn.request("POST", path, json.dumps(body), headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.status not in expect:
            raise RuntimeError(f"{path} -> {response.status}: {data[:300]!r}")
        return json.loads(data) if data else {}


def run(base, indexes, fn, results, errors):
    client = Client(base)
    try:
        for i in indexes:
            results[i] = fn(client, i)
    except Exception as e:  # reported once by the main thread
        errors.append(e)


def parallel(base, n, fn):
    results, errors = [None] * n, []
    threads = [threading.Thread(target=run, args=(base, range(w, n, WORKERS), fn, results, errors))
               for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"mfa-setup: {errors[0]}", file=sys.stderr)
        sys.exit(1)
    return results


def enrol(client, i):
    email = f"mfa{i}@bench.test"
    client.post("/v1/auth/register", {"email": email, "password": PASSWORD, "first_name": "Load", "last_name": "Tester"},
                expect=(202,))
    token = client.post("/v1/auth/login", {"email": email, "password": PASSWORD})["tokens"]["access_token"]
    secret = client.post("/v1/auth/mfa/setup", {}, token)["secret"]
    step = int(time.time()) // 30
    client.post("/v1/auth/mfa/enable", {"code": totp(secret, step)}, token)
    return email, secret, step


def pending(client, i, accounts):
    email = accounts[i][0]
    answer = client.post("/v1/auth/login", {"email": email, "password": PASSWORD})
    if not answer.get("mfa_required"):
        raise RuntimeError(f"login of {email} did not ask for a second factor: {answer}")
    return answer["mfa_token"]


def create_accounts(base, users, accounts_file):
    t0 = time.time()
    accounts = parallel(base, users, enrol)
    with open(accounts_file, "w") as f:
        for email, secret, step in accounts:
            f.write(f"{email} {secret} {step}\n")
    print(f"mfa-setup: {users} accounts with TOTP in {time.time() - t0:.0f} s", file=sys.stderr)


def create_pending(base, accounts_file, out):
    with open(accounts_file) as f:
        accounts = [(e, s, int(st)) for e, s, st in (line.split() for line in f if line.strip())]
    t0 = time.time()
    tokens = parallel(base, len(accounts), lambda c, i: pending(c, i, accounts))
    # Each account's last spent step (enabling, or the previous round) is in the file, so the sign-ins take a later
    # one: one the server already accepts (at most one step ahead) and that stays accepted for the wrk run that
    # follows (90 s around it).
    step = max(int(time.time() + 10) // 30, max(st for _, _, st in accounts) + 1)
    with open(out, "w") as f:
        for (_, secret, _), token in zip(accounts, tokens):
            f.write(f"{token} {totp(secret, step)}\n")
    with open(accounts_file, "w") as f:
        for email, secret, _ in accounts:
            f.write(f"{email} {secret} {step}\n")
    print(f"mfa-setup: {len(accounts)} pending sign-ins in {time.time() - t0:.0f} s (step {step})", file=sys.stderr)


def main():
    mode, base = sys.argv[1], sys.argv[2]
    if mode == "accounts":
        create_accounts(base, int(sys.argv[3]), sys.argv[4])
    elif mode == "pending":
        create_pending(base, sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
