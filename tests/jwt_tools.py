"""Real RS256 keys and a real JWKS endpoint for auth tests: no mocks, a key generated per test."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
CLIENT_ID = "storefront-web"


class SigningKey:
    """An RSA key pair; ``sign`` makes a token whose header names this key's ``kid``."""

    def __init__(self, kid: str) -> None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.public_pem = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        self.kid = kid
        # Parsing a PEM checks the key (tens of ms): parse once, sign many.
        self.key = jwk.construct(self.pem, "RS256")
        public = self.key.public_key().to_dict()
        self.public_jwk: dict[str, Any] = {**public, "kid": kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        token: str = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, **headers})
        return token


def claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a valid Cognito access token; ``None`` values remove a claim."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "8d6c1a52-1111-4c4c-9999-0123456789ab",
        "token_use": "access",
        "client_id": CLIENT_ID,
        "username": "alice",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "cognito:groups": ["customers"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


class JwksServer:
    """A JWKS endpoint on a loopback port, in a thread; ``fetches`` counts the GETs it answered."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps({"keys": [k.public_jwk for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"

    def __enter__(self) -> JwksServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def moto_user_pool(endpoint: str) -> tuple[str, str, dict[str, str]]:
    """A user pool with an app client and alice (group admin) signed in: (pool id, client id, tokens)."""
    cognito = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
    pool = cognito.create_user_pool(PoolName="storefront")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(GroupName="admin", UserPoolId=pool)
    user = "alice@example.com"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=user,
        UserAttributes=[{"Name": "email", "Value": user}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=user, Password="Corr3ct-Horse!", Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName="admin")
    result = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": "Corr3ct-Horse!"},
    )["AuthenticationResult"]
    return pool, client, {"id": result["IdToken"], "access": result["AccessToken"]}
