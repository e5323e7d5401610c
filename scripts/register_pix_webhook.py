"""Tell the PIX provider where to send its API Pix notices (`PUT /webhook/{chave}`), once per key and
environment, as a provider's onboarding asks:

    python scripts/register_pix_webhook.py https://pix-webhook.example.com/payments/pix/webhook

The provider POSTs to that URL + "/pix". The provider's configuration comes from the environment
(PIX_API_URL, PIX_CLIENT_ID, PIX_CLIENT_SECRET) or, with AWS credentials, from the Secrets Manager secret
PIX_PROVIDER_SECRET_ARN names; the key is PIX_KEY. `make start` registers its own URL at the local simulator.
"""

from __future__ import annotations

import argparse
import sys

from ticketing.config import settings
from ticketing.payments_provider import ProviderRefused, ProviderUnavailable, provider


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Register the API Pix webhook URL at the PIX provider.")
    parser.add_argument("url", help="the webhook's base URL (the provider appends /pix)")
    parser.add_argument("--key", default=None, help="the PIX key (chave); default PIX_KEY")
    args = parser.parse_args(argv)
    key = args.key or settings().pix_key
    try:
        provider().register_webhook(key, args.url)
    except (ProviderUnavailable, ProviderRefused) as exc:
        print(f"not registered: {exc}", file=sys.stderr)
        return 1
    print(f"registered {args.url} for {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
