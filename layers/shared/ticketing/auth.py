"""Who is calling: claims as API Gateway's JWT authorizer hands them over, and the token check itself.

An HTTP API JWT authorizer passes every claim as a string: `cognito:groups` arrives as "[organizer]"
(several groups: "[organizer admin]"), numbers as "1764072000". `Caller.from_claims` parses that shape.
`verify_access_token` is the authorizer's check (signature, issuer, expiry, token_use, client_id); the
local runtime runs it in front of protected routes, and public routes use it for an optional caller.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ticketing.config import settings
from ticketing.errors import Unauthorized

if TYPE_CHECKING:
    import jwt

ORGANIZER_GROUP = "organizer"
ADMIN_GROUP = "admin"


def parse_groups(value: object) -> tuple[str, ...]:
    """Groups from a claim that is either a list (a decoded JWT) or API Gateway's "[a b]" string."""
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return tuple(part for part in text.replace(",", " ").split() if part)


def roles_of(groups: tuple[str, ...] | list[str]) -> list[str]:
    """The API's roles of an account in these groups: everyone is a buyer; organizer and admin by group."""
    return ["buyer"] + [role for role in (ORGANIZER_GROUP, ADMIN_GROUP) if role in groups]


@dataclass(frozen=True)
class Caller:
    sub: str
    username: str
    groups: tuple[str, ...]

    @property
    def is_organizer(self) -> bool:
        return ORGANIZER_GROUP in self.groups

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups

    @property
    def roles(self) -> list[str]:
        return roles_of(self.groups)

    @classmethod
    def from_claims(cls, claims: dict) -> Caller:
        sub = claims.get("sub")
        if not sub:
            raise Unauthorized("The token carries no subject")
        return cls(
            sub=str(sub),
            username=str(claims.get("username") or claims.get("cognito:username") or ""),
            groups=parse_groups(claims.get("cognito:groups")),
        )


@lru_cache(maxsize=1)
def _jwks_client() -> jwt.PyJWKClient:
    import jwt  # only where tokens are verified here (locally): a cold start in AWS skips PyJWT and cryptography

    url = settings().cognito_jwks_url
    if not url:
        raise Unauthorized("Token verification is not configured")
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)


_verified: dict[str, tuple[dict, float]] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 10_000


def verify_access_token(token: str) -> dict:
    """Verify a Cognito access token as the API Gateway JWT authorizer does; returns its claims.

    Verified tokens are cached until they expire (RS256 verification costs ~60 µs of CPU a call)."""
    now = time.time()
    hit = _verified.get(token)
    if hit is not None and hit[1] > now:
        return hit[0]
    import jwt

    cfg = settings()
    try:
        key = _jwks_client().get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=cfg.cognito_issuer,
            options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            leeway=0,
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized("Invalid or expired token") from exc
    if claims.get("token_use") != "access":
        raise Unauthorized("An access token is required")
    client_id = claims.get("client_id") or claims.get("aud")
    if cfg.user_pool_client_id and client_id != cfg.user_pool_client_id:
        raise Unauthorized("The token was issued to another client")
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            for stale in [t for t, (_, exp) in _verified.items() if exp <= now] or list(_verified)[:1000]:
                _verified.pop(stale, None)
        _verified[token] = (claims, float(claims["exp"]))
    return claims


def forget_verified_tokens() -> None:
    with _verified_lock:
        _verified.clear()
    _jwks_client.cache_clear()
