"""The payment provider port (what payments need from a PIX provider) and its one adapter: the Central Bank's
API Pix (bacen/pix-api 2.x) over HTTPS, with an OAuth client-credentials token and, in AWS, a mutual-TLS client
certificate. A real provider (Efí, Itaú, Banco do Brasil, Mercado Pago...) is a configuration away.

Configuration: PIX_API_URL, PIX_CLIENT_ID, PIX_CLIENT_SECRET (and optional PIX_TOKEN_URL) in the environment
(local runs, tests); in AWS, the Secrets Manager secret PIX_PROVIDER_SECRET_ARN names holds the JSON
{base_url, token_url?, client_id, client_secret, certificate?, private_key?} (PEM texts).
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from ticketing.config import settings
from ticketing.secret_values import SecretValue

TIMEOUT_SECONDS = 5.0


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered 5xx: try again later."""


class ProviderRefused(Exception):
    """The provider answered 4xx: the request itself is wrong (a bug or a state the provider refuses)."""

    def __init__(self, status: int, problem: Any) -> None:
        super().__init__(f"provider refused with {status}: {problem}")
        self.status = status
        self.problem = problem


@dataclass(frozen=True)
class PixCharge:
    """A charge (`cob`, or `cobv` with a due date) as the provider created it."""

    txid: str
    location: str  # without https://, as it goes in BR Code field 26-25
    status: str


@dataclass(frozen=True)
class Debtor:
    """Who a charge with a due date (boleto híbrido) is made out to: the buyer's CPF and name."""

    cpf: str
    name: str


@dataclass(frozen=True)
class Devolution:
    id: str
    status: str  # EM_PROCESSAMENTO, DEVOLVIDO, NAO_REALIZADO
    rtr_id: str | None = None


class PaymentProvider(Protocol):
    """What the payments need from a PIX provider."""

    def create_charge(
        self, txid: str, amount_cents: int, expires_in_seconds: int, description: str
    ) -> PixCharge:
        """PUT /cob/{txid}: an immediate charge."""
        ...

    def create_due_charge(
        self, txid: str, amount_cents: int, due_date: date, debtor: Debtor, description: str
    ) -> PixCharge:
        """PUT /cobv/{txid}: a charge with a due date (boleto híbrido)."""
        ...

    def cancel_charge(self, txid: str, due: bool = False) -> None:
        """PATCH /cob{v}/{txid} to REMOVIDA_PELO_USUARIO_RECEBEDOR: no longer payable."""
        ...

    def get_pix(self, e2eid: str) -> dict:
        """GET /pix/{e2eid}: a PIX received, with its devolutions."""
        ...

    def request_devolution(
        self, e2eid: str, devolution_id: str, amount_cents: int, reason: str
    ) -> Devolution:
        """PUT /pix/{e2eid}/devolucao/{id}: give money back. The same id again returns the same devolution."""
        ...

    def get_devolution(self, e2eid: str, devolution_id: str) -> Devolution:
        """GET /pix/{e2eid}/devolucao/{id}."""
        ...

    def register_webhook(self, key: str, url: str) -> None:
        """PUT /webhook/{chave}: where the provider POSTs `{url}/pix` notices."""
        ...


def reais(amount_cents: int) -> str:
    """Cents as API Pix amounts: "12.34"."""
    return f"{amount_cents // 100}.{amount_cents % 100:02d}"


def cents(amount: str) -> int:
    """An API Pix amount ("12.34") in cents; ValueError when it is not one."""
    whole, _, fraction = amount.partition(".")
    if not whole.isdigit() or len(fraction) != 2 or not fraction.isdigit():
        raise ValueError(f"not an API Pix amount: {amount!r}")
    return int(whole) * 100 + int(fraction)


@dataclass(frozen=True)
class ProviderConfig:
    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    certificate: str | None = None  # PEM of the mTLS client certificate
    private_key: str | None = None


_SECRET = SecretValue(
    "PIX_PROVIDER_SECRET",
    lambda: os.environ.get("PIX_PROVIDER_SECRET", ""),
    lambda: settings().pix_provider_secret_arn,
)


def provider_config() -> ProviderConfig:
    """From the environment when PIX_API_URL is set, else from the Secrets Manager secret."""
    cfg = settings()
    if cfg.pix_api_url:
        base = cfg.pix_api_url.rstrip("/")
        return ProviderConfig(
            base_url=base,
            token_url=cfg.pix_token_url or base + "/oauth/token",
            client_id=cfg.pix_client_id,
            client_secret=cfg.pix_client_secret,
        )
    document = json.loads(_SECRET.value())
    base = str(document["base_url"]).rstrip("/")
    return ProviderConfig(
        base_url=base,
        token_url=document.get("token_url") or base + "/oauth/token",
        client_id=document["client_id"],
        client_secret=document["client_secret"],
        certificate=document.get("certificate"),
        private_key=document.get("private_key"),
    )


class ApiPixProvider:
    """The adapter: API Pix over HTTP(S). Thread-safe; one token shared until shortly before it expires."""

    def __init__(self, config: ProviderConfig, timeout: float = TIMEOUT_SECONDS) -> None:
        self.config = config
        self.timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self._ssl = self._ssl_context(config)

    @staticmethod
    def _ssl_context(config: ProviderConfig) -> ssl.SSLContext | None:
        if not config.certificate:
            return None
        context = ssl.create_default_context()
        # ssl reads the client certificate from files only; /tmp is the Lambda's writable place.
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as pem:
            pem.write(config.certificate.strip() + "\n" + (config.private_key or "").strip() + "\n")
        context.load_cert_chain(pem.name)
        os.unlink(pem.name)
        return context

    # ---------------------------------------------------------------- HTTP
    def _open(self, request: urllib.request.Request) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as answer:  # noqa: S310
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                problem = json.loads(raw) if raw else None
            except ValueError:
                problem = raw[:500].decode("utf-8", "replace")
            return exc.code, problem
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _access_token(self, renew: bool = False) -> str:
        with self._lock:
            if self._token and not renew and self._token[1] > time.monotonic():
                return self._token[0]
            basic = base64.b64encode(f"{self.config.client_id}:{self.config.client_secret}".encode()).decode()
            request = urllib.request.Request(  # noqa: S310 - the provider's configured URL
                self.config.token_url,
                data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
                headers={
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                method="POST",
            )
            status, body = self._open(request)
            if status >= 500:
                raise ProviderUnavailable(f"token endpoint answered {status}")
            if status != 200 or not isinstance(body, dict) or "access_token" not in body:
                raise ProviderRefused(status, body)
            lifetime = float(body.get("expires_in", 3600))
            self._token = (str(body["access_token"]), time.monotonic() + max(lifetime - 30, 1))
            return self._token[0]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        """One API Pix call; a 401 renews the token once. ProviderUnavailable on no answer or 5xx."""
        data = json.dumps(body).encode() if body is not None else None
        for renew in (False, True):
            request = urllib.request.Request(  # noqa: S310 - the provider's configured URL
                self.config.base_url + path,
                data=data,
                headers={
                    "Authorization": f"Bearer {self._access_token(renew)}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                method=method,
            )
            status, answer = self._open(request)
            if status != 401:
                break
        if status >= 500:
            raise ProviderUnavailable(f"{method} {path} answered {status}")
        return status, answer

    def _expect(self, expected: tuple[int, ...], method: str, path: str, body: dict | None = None) -> Any:
        status, answer = self.call(method, path, body)
        if status not in expected:
            raise ProviderRefused(status, answer)
        return answer

    # ---------------------------------------------------------------- the port
    def create_charge(
        self, txid: str, amount_cents: int, expires_in_seconds: int, description: str
    ) -> PixCharge:
        answer = self._expect(
            (200, 201),
            "PUT",
            f"/cob/{txid}",
            {
                "calendario": {"expiracao": max(int(expires_in_seconds), 1)},
                "valor": {"original": reais(amount_cents)},
                "chave": settings().pix_key,
                "solicitacaoPagador": description[:140],
            },
        )
        return PixCharge(txid=answer["txid"], location=answer["location"], status=answer["status"])

    def create_due_charge(
        self, txid: str, amount_cents: int, due_date: date, debtor: Debtor, description: str
    ) -> PixCharge:
        answer = self._expect(
            (200, 201),
            "PUT",
            f"/cobv/{txid}",
            {
                "calendario": {"dataDeVencimento": due_date.isoformat(), "validadeAposVencimento": 0},
                "devedor": {"cpf": debtor.cpf, "nome": debtor.name[:200] or "Comprador"},
                "valor": {"original": reais(amount_cents)},
                "chave": settings().pix_key,
                "solicitacaoPagador": description[:140],
            },
        )
        location = answer.get("location") or answer["loc"]["location"]
        return PixCharge(txid=answer["txid"], location=location, status=answer["status"])

    def cancel_charge(self, txid: str, due: bool = False) -> None:
        self._expect(
            (200,),
            "PATCH",
            f"/{'cobv' if due else 'cob'}/{txid}",
            {"status": "REMOVIDA_PELO_USUARIO_RECEBEDOR"},
        )

    def get_pix(self, e2eid: str) -> dict:
        return self._expect((200,), "GET", f"/pix/{e2eid}")

    def request_devolution(
        self, e2eid: str, devolution_id: str, amount_cents: int, reason: str
    ) -> Devolution:
        path = f"/pix/{e2eid}/devolucao/{devolution_id}"
        status, answer = self.call(
            "PUT", path, {"valor": reais(amount_cents), "natureza": "ORIGINAL", "descricao": reason[:140]}
        )
        if status in (200, 201):
            return _devolution(answer)
        # A retry of a devolution the provider already has: some providers refuse the repeated id; read it.
        status_read, found = self.call("GET", path)
        if status_read == 200:
            return _devolution(found)
        raise ProviderRefused(status, answer)

    def get_devolution(self, e2eid: str, devolution_id: str) -> Devolution:
        return _devolution(self._expect((200,), "GET", f"/pix/{e2eid}/devolucao/{devolution_id}"))

    def register_webhook(self, key: str, url: str) -> None:
        self._expect(
            (200, 201, 204), "PUT", f"/webhook/{urllib.parse.quote(key, safe='')}", {"webhookUrl": url}
        )


def _devolution(answer: dict) -> Devolution:
    return Devolution(id=answer["id"], status=answer["status"], rtr_id=answer.get("rtrId"))


_provider: dict[
    str, Any
] = {}  # {"key": the configuration it was built from (None: pinned by a test), "provider"}
_provider_lock = threading.Lock()


def provider() -> PaymentProvider:
    """The provider of this process, built once per configuration (tests may pin another with use_provider)."""
    key = settings().pix_api_url or settings().pix_provider_secret_arn or ""
    with _provider_lock:
        if "provider" not in _provider or (_provider["key"] is not None and _provider["key"] != key):
            _provider.update(key=key, provider=ApiPixProvider(provider_config()))
        return _provider["provider"]


def use_provider(replacement: PaymentProvider | None) -> None:
    """Pin a provider (tests), or forget it (None: rebuilt from the configuration on next use)."""
    with _provider_lock:
        _provider.clear()
        if replacement is not None:
            _provider.update(key=None, provider=replacement)
