"""Settle a pending payment on the local API by sending the webhook the provider would send, signed.

    python scripts/settle_payment.py PAYMENT_ID approve|decline|expire [--api URL] [--secret SECRET]

Standard library only. Exit status 0 when the API answered 200, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import urllib.error
import urllib.request

STATUSES = {"approve": "approved", "decline": "declined", "expire": "expired"}


def signed_request(api: str, payment_id: str, status: str, secret: str) -> urllib.request.Request:
    """The webhook request: the JSON body and X-Signature = sha256=HMAC-SHA256(body, secret)."""
    body = json.dumps({"payment_id": payment_id, "status": status}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return urllib.request.Request(  # noqa: S310 - the URL is the operator's own local API
        api.rstrip("/") + "/payments/webhook",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Signature": signature},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Settle a pending payment with a signed webhook.")
    parser.add_argument("payment_id")
    parser.add_argument("action", choices=sorted(STATUSES))
    parser.add_argument("--api", default=os.environ.get("API_URL", "http://127.0.0.1:3000"))
    parser.add_argument(
        "--secret", default=os.environ.get("PAYMENT_WEBHOOK_SECRET") or "local-webhook-secret"
    )
    args = parser.parse_args(argv)
    request = signed_request(args.api, args.payment_id, STATUSES[args.action], args.secret)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{exc.code} {exc.read().decode()}", file=sys.stderr)
    except urllib.error.URLError as exc:
        print(f"cannot reach {args.api}: {exc.reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
