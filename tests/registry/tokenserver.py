#!/usr/bin/env python3
"""tokenserver.py — a docker token-auth server for the registry tests.

Issues RS256 JWTs that the CNCF registry verifies (docs: distribution's
"Token Authentication Specification" and "Token Authentication
Implementation"): the JOSE header carries the signing certificate in x5c,
which chains to the registry's rootcertbundle; the claims name the issuer,
the service as audience, a short validity and the granted access.

  GET  /token?service=S&scope=repository:NAME:pull[,push]   Basic auth optional
  POST /token  grant_type=refresh_token&refresh_token=T&service=S&scope=...

Valid credentials get every action asked for; no credentials get a token
with no access (the registry then answers 401); wrong credentials get 401.
Signing shells out to `openssl dgst -sha256 -sign`. Every request is
appended to --log as "METHOD auth=yes|no scope=... account=..." (never
the secret).
--expires-in N is the expires_in the answers give (default 300; -1: none,
which the spec reads as 60 s); the JWT itself is valid for 300 s.
Only the Python standard library is used.
"""
import argparse, base64, http.server, json, os, ssl, subprocess, threading, time, urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_of(pem_path):
    pem = open(pem_path).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return "".join(body.split())  # x5c holds standard base64 DER


class Issuer:
    def __init__(self, a):
        self.a = a
        self.x5c = der_of(a.sign_cert)
        self.lock = threading.Lock()

    def access(self, scopes):
        out = []
        for sc in scopes:
            parts = sc.split(":")
            if len(parts) >= 3 and parts[0] == "repository":
                out.append({"type": "repository", "name": ":".join(parts[1:-1]),
                            "actions": [x for x in parts[-1].split(",") if x]})
        return out

    def token(self, subject, scopes):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.a.issuer, "sub": subject, "aud": self.a.service,
                  "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": b64url(os.urandom(12)), "access": self.access(scopes)}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.a.sign_key],
                             input=signing_input, capture_output=True, check=True).stdout
        return signing_input.decode() + "." + b64url(sig)


def make_handler(issuer, a):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def note(self, what):
            with issuer.lock, open(a.log, "a") as f:
                f.write(what + "\n")

        def reply(self, code, obj, extra=None):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def basic_user(self):
            h = self.headers.get("Authorization", "")
            if not h.startswith("Basic "):
                return None, False
            try:
                user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
            except Exception:
                return None, True
            return (user if (user, pw) == (a.user, a.password) else None), True

        def grant(self, subject, q):
            tok = issuer.token(subject, q.get("scope", []))
            ans = {"token": tok, "access_token": tok,
                   "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            if a.expires_in >= 0:
                ans["expires_in"] = a.expires_in
            self.reply(200, ans)

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(u.query)
            user, sent = self.basic_user()
            self.note("GET auth=%s scope=%s account=%s" % ("yes" if sent else "no", ",".join(q.get("scope", [])),
                                                           q.get("account", [""])[0]))
            if u.path != "/token" or q.get("service", [""])[0] != a.service:
                return self.reply(400, {"errors": [{"code": "BAD_REQUEST"}]})
            if sent and user is None:
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED"}]},
                                  {"WWW-Authenticate": 'Basic realm="token"'})
            self.grant(user or "", q if user else {"scope": []})

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0") or 0)
            q = urllib.parse.parse_qs(self.rfile.read(min(n, 65536)).decode())
            self.note("POST grant=%s scope=%s" % (q.get("grant_type", [""])[0], ",".join(q.get("scope", []))))
            if (q.get("grant_type", [""])[0] != "refresh_token" or not a.refresh_token or
                    q.get("refresh_token", [""])[0] != a.refresh_token):
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED"}]})
            self.grant(a.user, q)
    return H


def main():
    p = argparse.ArgumentParser()
    for opt in ("--port", "--tls-cert", "--tls-key", "--sign-key", "--sign-cert", "--issuer",
                "--service", "--user", "--password", "--log"):
        p.add_argument(opt, required=True)
    p.add_argument("--refresh-token", default="")
    p.add_argument("--expires-in", type=int, default=300)
    a = p.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(a.port)), make_handler(Issuer(a), a))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.tls_cert, a.tls_key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
