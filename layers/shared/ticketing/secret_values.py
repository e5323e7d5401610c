"""A secret the functions read once per process: from an environment variable (local runs, tests) or, in AWS,
from the Secrets Manager secret another variable names (the ARN)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class SecretValue:
    """`value()` gives the environment's value when set, else the Secrets Manager secret, fetched once."""

    def __init__(self, name: str, from_environment: Callable[[], str], arn: Callable[[], str]) -> None:
        self.name = name  # the variable, e.g. PAYMENT_WEBHOOK_SECRET (its ARN variable adds _ARN)
        self._from_environment = from_environment
        self._arn = arn
        self._fetched: bytes | None = None
        self._lock = threading.Lock()

    def value(self) -> bytes:
        given = self._from_environment()
        if given:
            return given.encode()
        if self._fetched is None:
            with self._lock:
                if self._fetched is None:
                    arn = self._arn()
                    if not arn:
                        raise RuntimeError(f"neither {self.name} nor {self.name}_ARN is set")
                    from ticketing.aws import client  # boto3 only where a secret is fetched

                    self._fetched = (
                        client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"].encode()
                    )
        return self._fetched

    def forget(self) -> None:
        """Drop the fetched value (tests; a rotated secret is picked up by new containers)."""
        with self._lock:
            self._fetched = None
