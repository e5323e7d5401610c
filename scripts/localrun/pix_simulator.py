"""A local PIX provider speaking the Central Bank's API Pix (bacen/pix-api 2.x), for `make start` and the tests,
as moto stands in for AWS. It keeps charges, "pays" a BR Code as a bank app would, sends the standard webhook
`{"pix": [...]}` (signed `X-Signature: sha256=<hex>` with PIX_WEBHOOK_SECRET) and processes devolutions.

API Pix (OAuth bearer token required):
  POST /oauth/token (client credentials, HTTP Basic)
  PUT|GET|PATCH /cob/{txid}, PUT|GET|PATCH /cobv/{txid}, GET /pix/{e2eid},
  PUT|GET /pix/{e2eid}/devolucao/{id}, PUT|GET /webhook/{chave}
Simulator controls (no token; a bank app and a test's hands):
  POST /simulador/pagar {pixCopiaECola | txid, valor?, notificar? (true), aposExpiracao? (false)}
       -> 201 the Pix; the webhook is sent (and answered) before this returns
  POST /simulador/notificar {e2eids: [...]}    one webhook with all of them (a batch)
  POST /simulador/devolucoes/liquidar {status?: "DEVOLVIDO"|"NAO_REALIZADO"}
       settles every devolution EM_PROCESSAMENTO and notifies (with auto_settle, a timer does it)
  POST /simulador/estado {foraDoAr?: bool, recusarDevolucoes?: bool}
  GET  /simulador/estado
A devolution whose `descricao` contains NAO_REALIZADO, or any while recusarDevolucoes is on, ends NAO_REALIZADO.
A devolution of a PIX the simulator never saw (a webhook notice written by hand) is accepted as if that PIX had
been received, so refunds of such payments also complete locally.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import string
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("localrun.pix")

TXID = re.compile(r"^[a-zA-Z0-9]{26,35}$")
E2EID = re.compile(r"^[a-zA-Z0-9]{32}$")
DEVOLUTION_ID = re.compile(r"^[a-zA-Z0-9]{1,35}$")
AMOUNT = re.compile(r"^\d{1,10}\.\d{2}$")
ISPB = "99999008"  # the simulator's own (fictitious) participant code
# What the simulator remembers: the most recent charges and PIX (a long local run or a soak keeps its memory flat).
KEPT = 20_000
ALPHANUMERIC = string.ascii_letters + string.digits
# The receiving business as the provider knows it (API Pix `recebedor`; the invoices' issuer by default).
RECEIVER = {
    "cnpj": "11222333000181",
    "nome": "Ticketing Eventos",
    "nomeFantasia": "Ticketing",
    "logradouro": "Avenida Paulista, 1000",
    "cidade": "Sao Paulo",
    "uf": "SP",
    "cep": "01310100",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cents(amount: str) -> int:
    whole, fraction = amount.split(".")
    return int(whole) * 100 + int(fraction)


def _reais(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def read_tlv(text: str) -> dict[str, str]:
    """A BR Code's top-level fields (ID, length, value); ValueError when malformed."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        field_id, length = text[position : position + 2], text[position + 2 : position + 4]
        if not (field_id.isdigit() and length.isdigit()):
            raise ValueError("malformed BR Code")
        fields[field_id] = text[position + 4 : position + 4 + int(length)]
        position += 4 + int(length)
    return fields


class HttpProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, kind: str = "RequisicaoInvalida") -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.kind = status, title, detail, kind

    def body(self) -> dict:
        return {
            "type": f"https://pix.bcb.gov.br/api/v2/error/{self.kind}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }


def _problem(status: int, detail: str) -> HttpProblem:
    kinds = {
        400: ("RequisicaoInvalida", "Requisição inválida."),
        403: ("AcessoNegado", "Acesso Negado"),
        404: ("NaoEncontrado", "Não Encontrado"),
        503: ("ServicoIndisponivel", "Serviço Indisponível"),
    }
    kind, title = kinds.get(status, ("RequisicaoInvalida", "Requisição inválida."))
    return HttpProblem(status, title, detail, kind)


class PixSimulator:
    """The simulator's state and logic; `start()` serves it over HTTP on 127.0.0.1 in a thread of this process.

    `deliver(raw_body, signature) -> status` replaces the HTTP webhook (service-level tests call the service
    directly); `exchanges` records every API Pix call (path template, request, status, response) for the
    OpenAPI validation test."""

    def __init__(
        self,
        port: int = 0,
        webhook_secret: str | None = None,
        client_id: str = "local-pix-client",
        client_secret: str = "local-pix-client-secret",  # noqa: S107 - the simulator's published local secret
        auto_settle_seconds: float | None = None,
        pix_key: str = "pagamentos@ticketing.example.com",
    ) -> None:
        self.requested_port = port
        self.webhook_secret = webhook_secret or os.environ.get("PIX_WEBHOOK_SECRET", "local-pix-secret")
        self.client_id, self.client_secret = client_id, client_secret
        self.auto_settle_seconds = auto_settle_seconds
        self.pix_key = pix_key
        self.lock = threading.RLock()
        self.tokens: set[str] = set()
        self.charges: dict[str, dict] = {}  # txid -> cob or cobv document
        self.locations: dict[str, str] = {}  # location -> txid
        self.pix: dict[str, dict] = {}  # e2eid -> Pix document
        self.webhooks: dict[str, str] = {}  # chave -> webhookUrl
        self.down = False
        self.refuse_devolutions = False
        self.exchanges: list[dict] = []  # the newest KEPT, each with its sequence number `seq`
        self.exchange_count = 0
        self.webhook_answers: list[int] = []
        self.deliver: Callable[[bytes, str], int] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._next_loc = 1

    # ---------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        assert self._server is not None, "the simulator is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> PixSimulator:
        simulator = self

        class Handler(_Handler):
            sim = simulator

        self._server = ThreadingHTTPServer(("127.0.0.1", self.requested_port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="pix-simulator", daemon=True)
        self._thread.start()
        log.info("API Pix simulator started", extra={"endpoint": self.base_url})
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def environment(self) -> dict[str, str]:
        """What the functions need to reach this simulator."""
        return {
            "PIX_API_URL": self.base_url,
            "PIX_CLIENT_ID": self.client_id,
            "PIX_CLIENT_SECRET": self.client_secret,
            "PIX_WEBHOOK_SECRET": self.webhook_secret,
            "PIX_KEY": self.pix_key,
        }

    # ---------------------------------------------------------------- OAuth
    def issue_token(self, authorization: str | None, form: dict[str, list[str]]) -> dict:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}" or form.get("grant_type") != ["client_credentials"]:
            raise HttpProblem(401, "Não autorizado", "client credentials inválidas", "AcessoNegado")
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "cob.write pix.write",
        }

    def authorized(self, authorization: str | None) -> bool:
        return bool(
            authorization and authorization.startswith("Bearer ") and authorization[7:] in self.tokens
        )

    # ---------------------------------------------------------------- API Pix
    def put_charge(self, kind: str, txid: str, body: dict) -> dict:
        if not TXID.match(txid):
            raise _problem(400, "O campo txid não respeita o schema.")
        valor = (body.get("valor") or {}).get("original")
        if not isinstance(valor, str) or not AMOUNT.match(valor) or _cents(valor) <= 0:
            raise _problem(400, "O campo valor.original não respeita o schema.")
        if not isinstance(body.get("chave"), str):
            raise _problem(400, "O campo chave não respeita o schema.")
        calendario = body.get("calendario") or {}
        if kind == "cobv" and not isinstance(calendario.get("dataDeVencimento"), str):
            raise _problem(400, "O campo calendario.dataDeVencimento não respeita o schema.")
        with self.lock:
            if txid in self.charges:
                raise _problem(400, "Já existe uma cobrança com este txid.")
            created = _now()
            token = secrets.token_hex(16)
            location = f"{urlsplit(self.base_url).netloc}/qr/v2/{'cobv/' if kind == 'cobv' else ''}{token}"
            loc = {
                "id": self._next_loc,
                "txid": txid,
                "location": location,
                "tipoCob": kind,
                "criacao": _iso(created),
            }
            self._next_loc += 1
            if kind == "cob":
                calendar = {"criacao": _iso(created), "expiracao": int(calendario.get("expiracao", 86400))}
            else:
                calendar = {
                    "criacao": _iso(created),
                    "dataDeVencimento": calendario["dataDeVencimento"],
                    "validadeAposVencimento": int(calendario.get("validadeAposVencimento", 30)),
                }
            charge: dict[str, Any] = {
                "calendario": calendar,
                "txid": txid,
                "revisao": 0,
                "loc": loc,
                "location": location,
                "status": "ATIVA",
                "valor": {"original": valor},
                "chave": body["chave"],
            }
            if body.get("devedor"):
                charge["devedor"] = body["devedor"]
            if kind == "cobv":
                charge["recebedor"] = dict(RECEIVER)
            if body.get("solicitacaoPagador"):
                charge["solicitacaoPagador"] = body["solicitacaoPagador"]
            self.charges[txid] = {**charge, "_kind": kind}
            self.locations[location] = txid
            self._forget_oldest()
            return charge

    def get_charge(self, kind: str, txid: str) -> dict:
        with self.lock:
            charge = self.charges.get(txid)
            if charge is None or charge["_kind"] != kind:
                raise _problem(404, "Cobrança não encontrada.")
            shown = {k: v for k, v in charge.items() if not k.startswith("_")}
            paid = [self._pix_document(p) for p in self.pix.values() if p.get("txid") == txid]
            if paid:
                shown["pix"] = paid
            return shown

    def patch_charge(self, kind: str, txid: str, body: dict) -> dict:
        with self.lock:
            charge = self.charges.get(txid)
            if charge is None or charge["_kind"] != kind:
                raise _problem(404, "Cobrança não encontrada.")
            if body.get("status") == "REMOVIDA_PELO_USUARIO_RECEBEDOR" and charge["status"] == "ATIVA":
                charge["status"] = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
                charge["revisao"] += 1
            return self.get_charge(kind, txid)

    def _pix_document(self, record: dict) -> dict:
        return {k: v for k, v in record.items() if not k.startswith("_")} | (
            {"devolucoes": [dict(d) for d in record["_devolucoes"].values()]} if record["_devolucoes"] else {}
        )

    def get_pix(self, e2eid: str) -> dict:
        with self.lock:
            record = self.pix.get(e2eid)
            if record is None:
                raise _problem(404, "Pix não encontrado.")
            return self._pix_document(record)

    def put_devolution(self, e2eid: str, devolution_id: str, body: dict) -> dict:
        if not DEVOLUTION_ID.match(devolution_id):
            raise _problem(400, "O campo id não respeita o schema.")
        valor = body.get("valor")
        if not isinstance(valor, str) or not AMOUNT.match(valor):
            raise _problem(400, "O campo valor não respeita o schema.")
        settle_later = False
        with self.lock:
            record = self.pix.get(e2eid)
            if record is None:
                if not E2EID.match(e2eid):
                    raise _problem(404, "Pix não encontrado.")
                # A PIX this simulator never saw (a notice sent to the API by hand): the provider stands for every
                # PIX to our key, so it is taken as received, for the amount asked back.
                record = self.pix[e2eid] = {
                    "endToEndId": e2eid,
                    "valor": valor,
                    "chave": self.pix_key,
                    "horario": _iso(_now()),
                    "_devolucoes": {},
                }
            existing = record["_devolucoes"].get(devolution_id)
            if existing is not None:
                return dict(existing)  # the same id again: the same devolution, never a second one
            given_back = sum(
                _cents(d["valor"]) for d in record["_devolucoes"].values() if d["status"] != "NAO_REALIZADO"
            )
            if given_back + _cents(valor) > _cents(record["valor"]):
                raise _problem(400, "O valor da devolução excede o valor do Pix.")
            devolution = {
                "id": devolution_id,
                "rtrId": "D"
                + ISPB
                + _now().strftime("%Y%m%d%H%M")
                + "".join(secrets.choice(ALPHANUMERIC) for _ in range(11)),
                "valor": valor,
                "natureza": body.get("natureza", "ORIGINAL"),
                "horario": {"solicitacao": _iso(_now())},
                "status": "EM_PROCESSAMENTO",
            }
            if body.get("descricao"):
                devolution["descricao"] = body["descricao"]
            devolution["_fails"] = self.refuse_devolutions or "NAO_REALIZADO" in str(
                body.get("descricao", "")
            )
            record["_devolucoes"][devolution_id] = devolution
            settle_later = self.auto_settle_seconds is not None
        if settle_later:
            timer = threading.Timer(self.auto_settle_seconds or 0.0, self.settle_devolutions)
            timer.daemon = True
            timer.start()
        return {k: v for k, v in devolution.items() if not k.startswith("_")}

    def get_devolution(self, e2eid: str, devolution_id: str) -> dict:
        with self.lock:
            record = self.pix.get(e2eid)
            devolution = record["_devolucoes"].get(devolution_id) if record else None
            if devolution is None:
                raise _problem(404, "Devolução não encontrada.")
            return {k: v for k, v in devolution.items() if not k.startswith("_")}

    def put_webhook(self, key: str, body: dict) -> None:
        url = body.get("webhookUrl")
        if not isinstance(url, str) or not url:
            raise _problem(400, "O campo webhookUrl não respeita o schema.")
        with self.lock:
            self.webhooks[key] = url

    def get_webhook(self, key: str) -> dict:
        with self.lock:
            if key not in self.webhooks:
                raise _problem(404, "Webhook não encontrado.")
            return {
                "webhookUrl": self.webhooks[key],
                "chave": key,
                "cnpj": RECEIVER["cnpj"],
                "criacao": _iso(_now()),
            }

    # ---------------------------------------------------------------- the bank app and the clearing
    def pay(self, body: dict) -> dict:
        """A payer's bank pays a BR Code (or a txid): the Pix is recorded and, unless told not to, notified."""
        with self.lock:
            txid = body.get("txid")
            code = body.get("pixCopiaECola")
            if code:
                try:
                    merchant = read_tlv(read_tlv(code)["26"])
                except (KeyError, ValueError):
                    raise _problem(400, "pixCopiaECola não é um BR Code dinâmico.") from None
                txid = self.locations.get(merchant.get("25", ""))
            charge = self.charges.get(txid or "")
            if charge is None:
                raise _problem(404, "Cobrança não encontrada.")
            if charge["status"] != "ATIVA":
                raise _problem(400, f"A cobrança está {charge['status']}.")
            if not body.get("aposExpiracao") and self._lapsed(charge):
                raise _problem(400, "A cobrança expirou.")
            valor = body.get("valor") or charge["valor"]["original"]
            if not isinstance(valor, str) or not AMOUNT.match(valor):
                raise _problem(400, "valor inválido.")
            moment = _now()
            e2eid = (
                "E"
                + ISPB
                + moment.strftime("%Y%m%d%H%M")
                + "".join(secrets.choice(ALPHANUMERIC) for _ in range(11))
            )
            record = {
                "endToEndId": e2eid,
                "txid": charge["txid"],
                "valor": valor,
                "chave": charge["chave"],
                "horario": _iso(moment),
                "infoPagador": str(body.get("infoPagador") or "Pago pelo simulador"),
                "_devolucoes": {},
            }
            self.pix[e2eid] = record
            self._forget_oldest()
            # A cob of fixed amount is settled by a Pix of that amount; another amount leaves it payable.
            if valor == charge["valor"]["original"]:
                charge["status"] = "CONCLUIDA"
            document = self._pix_document(record)
        if body.get("notificar", True):
            self.notify([e2eid])
        return document

    def _forget_oldest(self) -> None:
        """Keep the newest KEPT charges and PIX (dicts keep insertion order); called with the lock held."""
        while len(self.charges) > KEPT:
            txid = next(iter(self.charges))
            self.locations.pop(self.charges.pop(txid)["location"], None)
        while len(self.pix) > KEPT:
            self.pix.pop(next(iter(self.pix)))

    def _lapsed(self, charge: dict) -> bool:
        calendar = charge["calendario"]
        created = datetime.fromisoformat(calendar["criacao"].replace("Z", "+00:00"))
        if "expiracao" in calendar:
            return _now() > created + timedelta(seconds=int(calendar["expiracao"]))
        due = date.fromisoformat(calendar["dataDeVencimento"])
        return _now().date() > due + timedelta(days=int(calendar.get("validadeAposVencimento", 0)))

    def settle_devolutions(self, status: str | None = None) -> list[str]:
        """Every devolution in progress reaches its final status; their Pix are notified in one webhook."""
        settled: list[str] = []
        with self.lock:
            for e2eid, record in self.pix.items():
                for devolution in record["_devolucoes"].values():
                    if devolution["status"] == "EM_PROCESSAMENTO":
                        final = status or ("NAO_REALIZADO" if devolution["_fails"] else "DEVOLVIDO")
                        devolution["status"] = final
                        if final == "DEVOLVIDO":
                            devolution["horario"]["liquidacao"] = _iso(_now())
                        else:
                            devolution["motivo"] = "Devolução recusada pelo participante do pagador."
                        if e2eid not in settled:
                            settled.append(e2eid)
        if settled:
            self.notify(settled)
        return settled

    def notify(self, e2eids: list[str]) -> int | None:
        """POST {"pix": [...]} to the registered webhook (signed), answered before this returns."""
        with self.lock:
            documents = [self._pix_document(self.pix[e]) for e in e2eids if e in self.pix]
            keys = {self.pix[e]["chave"] for e in e2eids if e in self.pix}
            url = next((self.webhooks[k] for k in keys if k in self.webhooks), None)
        if not documents:
            return None
        raw = json.dumps({"pix": documents}).encode()
        signature = "sha256=" + hmac.new(self.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
        if self.deliver is not None:
            status = self.deliver(raw, signature)
        elif url is None:
            log.info("no webhook registered: the Pix stays unnotified", extra={"e2eids": e2eids})
            return None
        else:
            request = urllib.request.Request(  # noqa: S310 - the URL the receiver registered
                url.rstrip("/") + "/pix",
                data=raw,
                headers={"Content-Type": "application/json", "X-Signature": signature},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                    status = answer.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError) as exc:
                log.warning("webhook not delivered", extra={"error": str(exc)})
                status = 0
        with self.lock:
            self.webhook_answers.append(status)
            del self.webhook_answers[:-100]
        return status

    def control(self, body: dict) -> dict:
        with self.lock:
            if "foraDoAr" in body:
                self.down = bool(body["foraDoAr"])
            if "recusarDevolucoes" in body:
                self.refuse_devolutions = bool(body["recusarDevolucoes"])
            return {"foraDoAr": self.down, "recusarDevolucoes": self.refuse_devolutions}


# API Pix routes: (method, regex, path template as the OpenAPI names it, handler)
_ROUTES: list[tuple[str, re.Pattern[str], str, Callable[..., Any]]] = []


def _route(method: str, template: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "([^/]+)", template) + "$")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _ROUTES.append((method, pattern, template, function))
        return function

    return register


def _charge_routes(kind: str) -> None:
    """PUT, GET and PATCH of one kind of charge: "cob" (immediate) or "cobv" (with a due date)."""

    @_route("PUT", f"/{kind}/{{txid}}")
    def _put(sim: PixSimulator, body: dict, txid: str) -> tuple[int, Any]:
        return 201, sim.put_charge(kind, txid, body)

    @_route("GET", f"/{kind}/{{txid}}")
    def _get(sim: PixSimulator, body: dict, txid: str) -> tuple[int, Any]:
        return 200, sim.get_charge(kind, txid)

    @_route("PATCH", f"/{kind}/{{txid}}")
    def _patch(sim: PixSimulator, body: dict, txid: str) -> tuple[int, Any]:
        return 200, sim.patch_charge(kind, txid, body)


for _kind in ("cob", "cobv"):
    _charge_routes(_kind)


@_route("GET", "/pix/{e2eid}")
def _get_pix(sim: PixSimulator, body: dict, e2eid: str) -> tuple[int, Any]:
    return 200, sim.get_pix(e2eid)


@_route("PUT", "/pix/{e2eid}/devolucao/{id}")
def _put_devolution(sim: PixSimulator, body: dict, e2eid: str, devolution_id: str) -> tuple[int, Any]:
    return 201, sim.put_devolution(e2eid, devolution_id, body)


@_route("GET", "/pix/{e2eid}/devolucao/{id}")
def _get_devolution(sim: PixSimulator, body: dict, e2eid: str, devolution_id: str) -> tuple[int, Any]:
    return 200, sim.get_devolution(e2eid, devolution_id)


@_route("PUT", "/webhook/{chave}")
def _put_webhook(sim: PixSimulator, body: dict, key: str) -> tuple[int, Any]:
    sim.put_webhook(key, body)
    return 200, None


@_route("GET", "/webhook/{chave}")
def _get_webhook(sim: PixSimulator, body: dict, key: str) -> tuple[int, Any]:
    return 200, sim.get_webhook(key)


class _Handler(BaseHTTPRequestHandler):
    sim: PixSimulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("pix simulator: " + format, *args)

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, raw: bytes) -> dict:
        try:
            document = json.loads(raw or b"{}")
        except ValueError:
            raise _problem(400, "O corpo não é JSON.") from None
        if not isinstance(document, dict):
            raise _problem(400, "O corpo deve ser um objeto JSON.")
        return document

    def _handle(self, method: str) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            path = path[4:]
        raw = self._body()
        try:
            if path.startswith("/simulador/"):
                self._send(*self._control(method, path, raw))
                return
            if method == "POST" and path == "/oauth/token":
                form = parse_qs(raw.decode("utf-8", "replace"))
                self._send(200, self.sim.issue_token(self.headers.get("Authorization"), form))
                return
            if self.sim.down:
                raise _problem(503, "Serviço indisponível (simulado).")
            if not self.sim.authorized(self.headers.get("Authorization")):
                raise HttpProblem(
                    401, "Não autorizado", "token de acesso ausente ou inválido", "AcessoNegado"
                )
            for route_method, pattern, template, function in _ROUTES:
                found = pattern.match(path)
                if found and route_method == method:
                    body = self._json(raw) if method in ("PUT", "PATCH", "POST") else {}
                    params = [unquote(p) for p in found.groups()]
                    try:
                        status, answer = function(self.sim, body, *params)
                    except HttpProblem as problem:
                        status, answer = problem.status, problem.body()
                    self._record(method, template, body, status, answer)
                    content_type = "application/problem+json" if status >= 400 else "application/json"
                    self._send(status, answer, content_type)
                    return
            raise _problem(404, "Recurso não encontrado.")
        except HttpProblem as problem:
            self._send(problem.status, problem.body(), "application/problem+json")

    def _record(self, method: str, template: str, body: dict, status: int, answer: Any) -> None:
        with self.sim.lock:
            self.sim.exchange_count += 1
            self.sim.exchanges.append(
                {
                    "seq": self.sim.exchange_count,
                    "method": method,
                    "path": template,
                    "request": body or None,
                    "status": status,
                    "response": answer,
                }
            )
            if len(self.sim.exchanges) > KEPT:
                del self.sim.exchanges[: len(self.sim.exchanges) - KEPT]

    def _control(self, method: str, path: str, raw: bytes) -> tuple[int, Any]:
        sim = self.sim
        if method == "GET" and path == "/simulador/estado":
            return 200, sim.control({})
        body = self._json(raw)
        if method == "POST" and path == "/simulador/pagar":
            return 201, sim.pay(body)
        if method == "POST" and path == "/simulador/notificar":
            return 200, {"webhook": sim.notify([str(e) for e in body.get("e2eids") or []])}
        if method == "POST" and path == "/simulador/devolucoes/liquidar":
            return 200, {"e2eids": sim.settle_devolutions(body.get("status"))}
        if method == "POST" and path == "/simulador/estado":
            return 200, sim.control(body)
        raise _problem(404, "Recurso não encontrado.")

    def do_GET(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's names
        self._handle("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


def pay_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/simulador/pagar"


def post_json(url: str, body: dict, timeout: float = 30) -> tuple[int, Any]:
    """A small client for the simulator's controls (scripts and tests)."""
    request = urllib.request.Request(  # noqa: S310 - a local simulator's URL
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        with contextlib.suppress(ValueError):
            return exc.code, json.loads(raw)
        return exc.code, raw.decode("utf-8", "replace")
