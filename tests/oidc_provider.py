"""A small OpenID Connect provider for the sign-in test: discovery, an authorize page where the
tester types an email, a token endpoint issuing RS256 id_tokens, JWKS and userinfo. Runs on
localhost in a thread; no external network. For tests only: it trusts whoever types an email."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwt
from joserfc.jwk import RSAKey


class Provider:
    """The provider's state: its key, and the codes it has issued."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.codes: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def __enter__(self) -> Provider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "name"],
        }

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant["email"].encode()).hexdigest()[:16],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "email": grant["email"],
            "email_verified": True,
            "name": grant["email"].split("@")[0],
        }
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    return self._json(provider.metadata())
                if url.path == "/jwks":
                    return self._json({"keys": [provider.key.as_dict(private=False)]})
                if url.path == "/authorize":
                    hidden = "".join(
                        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                        for k, v in query.items()
                    )
                    page = (
                        "<html><body><h1>Test identity provider</h1><form method='post' action='/authorize'>"
                        f"{hidden}<label>Email <input name='email' id='email'></label>"
                        "<button type='submit'>Sign in</button></form></body></html>"
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return None
                if url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = next((g for g in provider.codes.values() if g.get("access_token") == token), None)
                    if grant is None:
                        return self._json({"error": "invalid_token"}, 401)
                    return self._json({"sub": "x", "email": grant["email"], "name": grant["email"]})
                return self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {**form}
                    target = f"{form['redirect_uri']}?" + urllib.parse.urlencode(
                        {"code": code, "state": form.get("state", "")}
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                if self.path == "/token":
                    basic = self.headers.get("Authorization", "")
                    if basic.startswith("Basic "):
                        cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                        cid, secret = urllib.parse.unquote(cid), urllib.parse.unquote(secret)
                    else:
                        cid, secret = form.get("client_id"), form.get("client_secret")
                    grant = provider.codes.get(form.get("code", ""))
                    if (cid, secret) != (provider.client_id, provider.client_secret) or grant is None:
                        return self._json({"error": "invalid_grant"}, 400)
                    verifier = form.get("code_verifier")
                    if grant.get("code_challenge") and verifier:
                        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                        if digest.rstrip(b"=").decode() != grant["code_challenge"]:
                            return self._json({"error": "invalid_grant"}, 400)
                    grant["access_token"] = secrets.token_urlsafe(16)
                    return self._json(
                        {
                            "access_token": grant["access_token"],
                            "token_type": "Bearer",
                            "expires_in": 600,
                            "id_token": provider.id_token(grant),
                        }
                    )
                return self._json({"error": "not_found"}, 404)

        return Handler
