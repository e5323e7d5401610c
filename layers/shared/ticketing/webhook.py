"""The payment provider's webhook signature: `X-Signature: sha256=<hex>`, HMAC-SHA256 of the raw body.

The shared secret is PAYMENT_WEBHOOK_SECRET (local runs, tests) or, in AWS, the Secrets Manager secret
PAYMENT_WEBHOOK_SECRET_ARN points to, fetched once per container.
"""

from __future__ import annotations

import hashlib
import hmac

from ticketing.config import settings
from ticketing.secret_values import SecretValue

SIGNATURE_PREFIX = "sha256="

_SECRET = SecretValue(
    "PAYMENT_WEBHOOK_SECRET",
    lambda: settings().payment_webhook_secret,
    lambda: settings().payment_webhook_secret_arn,
)


def sign(raw_body: bytes, secret: bytes | str) -> str:
    """The header value a provider sends for `raw_body` (also used by scripts/settle_payment.py and tests)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return SIGNATURE_PREFIX + hmac.new(key, raw_body, hashlib.sha256).hexdigest()


def webhook_secret() -> bytes:
    """The shared secret: from the environment, else from Secrets Manager (once per process)."""
    return _SECRET.value()


def forget_secret() -> None:
    """Drop the cached secret (tests; a rotated secret is picked up by new containers)."""
    _SECRET.forget()


def signature_valid(raw_body: bytes, header: str | None, secret: bytes) -> bool:
    """True when `header` is `sha256=<hex>` of HMAC-SHA256(raw_body, secret); compared in constant time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = sign(raw_body, secret)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


# The API Pix webhook (issue 20) has a secret of its own: PIX_WEBHOOK_SECRET, or PIX_WEBHOOK_SECRET_ARN in AWS.
_PIX_SECRET = SecretValue(
    "PIX_WEBHOOK_SECRET",
    lambda: settings().pix_webhook_secret,
    lambda: settings().pix_webhook_secret_arn,
)


def pix_webhook_secret() -> bytes:
    """The API Pix webhook's shared secret: from the environment, else from Secrets Manager (once per process)."""
    return _PIX_SECRET.value()


def forget_pix_secret() -> None:
    _PIX_SECRET.forget()
