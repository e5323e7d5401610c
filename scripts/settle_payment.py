"""Settle a pending payment on the local API by sending the webhook the provider would send, signed.

    python scripts/settle_payment.py PAYMENT_ID approve|decline|expire [--api URL] [--secret SECRET]
    python scripts/settle_payment.py PAYMENT_ID pay [--pix-api URL]

`pay` pays a PIX (or boleto híbrido) payment the way a bank app does: through the local API Pix simulator,
which then notifies the API with the standard API Pix webhook (the charge's txid is the payment id's hex).
The other actions send the v1 notice `{payment_id, status}` to POST /payments/webhook.

Standard library only. Exit status 0 when the API (or the simulator) answered 2xx, 1 otherwise.
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
ACTIONS = [*STATUSES, "pay"]


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


def pix_payment_request(pix_api: str, payment_id: str) -> urllib.request.Request:
    """The simulator's "bank app": pay the charge whose txid is the payment id's 32 hex digits."""
    body = json.dumps({"txid": payment_id.replace("-", "").lower()}).encode()
    return urllib.request.Request(  # noqa: S310 - the local simulator
        pix_api.rstrip("/") + "/simulador/pagar",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Settle a pending payment with a signed webhook.")
    parser.add_argument("payment_id")
    parser.add_argument("action", choices=sorted(ACTIONS))
    parser.add_argument("--api", default=os.environ.get("API_URL", "http://127.0.0.1:3000"))
    parser.add_argument(
        "--secret", default=os.environ.get("PAYMENT_WEBHOOK_SECRET") or "local-webhook-secret"
    )
    parser.add_argument(
        "--pix-api",
        default=os.environ.get("PIX_API_URL") or "http://127.0.0.1:3090",
        help="the API Pix simulator",
    )
    args = parser.parse_args(argv)
    if args.action == "pay":
        request = pix_payment_request(args.pix_api, args.payment_id)
        target = args.pix_api
    else:
        request = signed_request(args.api, args.payment_id, STATUSES[args.action], args.secret)
        target = args.api
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{exc.code} {exc.read().decode()}", file=sys.stderr)
    except urllib.error.URLError as exc:
        print(f"cannot reach {target}: {exc.reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
