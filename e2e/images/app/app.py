#!/usr/bin/env python3
"""Stand-in for the uyoop-cal app in the e2e harness (not the real app).

It exercises, against the real Vault and PostgreSQL, what the app relies on:
  1. AppRole login (role_id / secret_id read from files, never from env),
  2. KV v2 read of secret/data/app/config -> database_url,
  3. dynamic PostgreSQL credentials from database/creds/uyoop-app,
  4. a connection to PostgreSQL with them (SELECT current_user),
  5. a TOTP key totp/keys/user_e2e, and validation of a code computed locally.
/health answers 200 only when every step succeeded, else 503 with the reason.
The steps are retried in the background until they all pass.

Environment: VAULT_ADDR, VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY,
VAULT_ROLE_ID_FILE, VAULT_SECRET_ID_FILE; optional APP_PORT (8000),
VAULT_APPROLE_PATH (approle), VAULT_KV_MOUNT (secret), VAULT_DB_MOUNT
(database), VAULT_DB_ROLE (uyoop-app), VAULT_TOTP_MOUNT (totp),
TOTP_KEY_NAME (user_e2e), APP_RETRY_SECONDS (5).
Python standard library only, plus psycopg2 (Debian's python3-psycopg2).
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

STATE = {"ok": False, "reason": "starting", "steps": {}, "checked_at": None}
LOCK = threading.Lock()


def log(msg):
    print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), msg, flush=True)


class VaultError(Exception):
    pass


class Vault:
    def __init__(self):
        self.addr = os.environ.get("VAULT_ADDR", "https://vault-1:8200").rstrip("/")
        self.token = None
        ctx = ssl.create_default_context(cafile=os.environ.get("VAULT_CACERT") or None)
        cert = os.environ.get("VAULT_CLIENT_CERT")
        key = os.environ.get("VAULT_CLIENT_KEY")
        if cert:
            ctx.load_cert_chain(cert, key or None)
        self.ctx = ctx if self.addr.startswith("https") else None

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.addr + "/v1/" + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("X-Vault-Token", self.token)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:
                raw = resp.read()
                return json.loads(raw) if raw else {}
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:300]
            raise VaultError(f"{method} {path}: HTTP {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise VaultError(f"{method} {path}: {e}") from None


def read_file(var):
    path = os.environ.get(var)
    if not path:
        raise VaultError(f"{var} is not set")
    try:
        with open(path, encoding="utf-8") as f:
            value = f.read().strip()
    except OSError as e:
        raise VaultError(f"{var}={path}: {e.strerror}") from None
    if not value:
        raise VaultError(f"{var}={path} is empty")
    return value


def totp_code(secret_b32, period=30, digits=6, algorithm="sha1", at=None):
    """RFC 6238 code for a base32 secret."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // period)
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm.lower())).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % (10 ** digits)).zfill(digits)


def check_once():
    import psycopg2  # imported here so /health can report a missing module

    steps = {}
    v = Vault()

    approle = os.environ.get("VAULT_APPROLE_PATH", "approle")
    login = v.request("POST", f"auth/{approle}/login", {
        "role_id": read_file("VAULT_ROLE_ID_FILE"),
        "secret_id": read_file("VAULT_SECRET_ID_FILE"),
    })
    v.token = login["auth"]["client_token"]
    steps["approle_login"] = f"ok (policies {login['auth'].get('policies')})"

    kv = os.environ.get("VAULT_KV_MOUNT", "secret")
    cfg = v.request("GET", f"{kv}/data/app/config")["data"]["data"]
    database_url = cfg.get("database_url")
    if not database_url:
        raise VaultError(f"{kv}/data/app/config has no database_url")
    steps["kv_read"] = "ok"

    # docs/APP-CONTRACT.md: VAULT_DB_CREDS_PATH (older names kept for the image proofs)
    creds_path = os.environ.get("VAULT_DB_CREDS_PATH") or (
        f'{os.environ.get("VAULT_DB_MOUNT", "database")}/creds/{os.environ.get("VAULT_DB_ROLE", "uyoop-app")}'
    )
    creds = v.request("GET", creds_path)
    user, password = creds["data"]["username"], creds["data"]["password"]
    steps["db_creds"] = f"ok (lease {creds.get('lease_duration')} s)"

    conn = psycopg2.connect(database_url, user=user, password=password, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            # Leases log in as themselves and act as the group role uyoop_app (session_user is
            # the lease, current_user the group): see constructs/postgres/dynamic-credentials-sql.ts.
            cur.execute("SELECT session_user, version()")
            who, version = cur.fetchone()
        ssl_in_use = getattr(conn.info, "ssl_in_use", None)
    finally:
        conn.close()
    if who != user:
        raise VaultError(f"connected as {who}, expected {user}")
    steps["postgres"] = f"ok (as {who}, ssl {ssl_in_use}, {version.split(',')[0]})"

    totp = os.environ.get("VAULT_TOTP_MOUNT", "totp")
    name = os.environ.get("TOTP_KEY_NAME", "user_e2e")
    body = {"generate": True, "issuer": "uyoop-e2e", "account_name": "e2e@uyoop.local", "exported": True}
    try:
        key = v.request("POST", f"{totp}/keys/{name}", body)
    except VaultError:
        # The key may exist from an earlier run: replace it.
        v.request("DELETE", f"{totp}/keys/{name}")
        key = v.request("POST", f"{totp}/keys/{name}", body)
    url = urllib.parse.urlparse(key["data"]["url"])
    q = urllib.parse.parse_qs(url.query)
    code = totp_code(q["secret"][0], int(q.get("period", ["30"])[0]),
                     int(q.get("digits", ["6"])[0]), q.get("algorithm", ["SHA1"])[0])
    valid = v.request("POST", f"{totp}/code/{name}", {"code": code})["data"]["valid"]
    if not valid:
        raise VaultError(f"Vault said the TOTP code for {totp}/keys/{name} is not valid")
    steps["totp"] = "ok (code validated)"
    return steps


def worker():
    delay = float(os.environ.get("APP_RETRY_SECONDS", "5"))
    while True:
        try:
            steps = check_once()
            ok, reason = True, "all checks passed"
        except Exception as e:  # report any failure through /health
            steps, ok, reason = {}, False, f"{type(e).__name__}: {e}"
        with LOCK:
            changed = STATE["ok"] != ok or STATE["reason"] != reason
            STATE.update(ok=ok, reason=reason, steps=steps,
                         checked_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        if changed:
            log(f"health {'OK' if ok else 'FAILING'}: {reason}")
            for k, val in steps.items():
                log(f"  {k}: {val}")
        # Once healthy, re-check every 4 retries (20 s by default: a rotated SecretID is used
        # within that); until then, retry quickly.
        time.sleep(delay * (4 if ok else 1))


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "uyoop-e2e-app"
    sys_version = ""

    def do_GET(self):
        if self.path.split("?")[0] not in ("/health", "/healthz"):
            self.send_json(404, {"error": "not found"})
            return
        with LOCK:
            body = dict(STATE)
        self.send_json(200 if body["ok"] else 503, body)

    def send_json(self, code, body):
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, fmt, *args):
        pass  # keep health probes out of the log


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        # One-shot mode: `app.py check` exits 0 when every step passes.
        try:
            for k, val in check_once().items():
                print(f"{k}: {val}")
            return 0
        except Exception as e:
            print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    port = int(os.environ.get("PORT") or os.environ.get("APP_PORT", "8000"))
    threading.Thread(target=worker, daemon=True).start()
    srv = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)
    log(f"listening on :{port}, Vault at {os.environ.get('VAULT_ADDR')}")
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
