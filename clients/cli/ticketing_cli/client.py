"""The HTTP API over stdlib urllib: JSON in and out, problem+json errors, bearer token with refresh."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from ticketing_cli import credentials
from ticketing_cli.language import problem_detail

DEFAULT_API = "http://127.0.0.1:3000"
TIMEOUT_SECONDS = 30


class CliFailure(Exception):
    """Ends the command with one line on stderr and an exit code (1 API 4xx, 2 usage, 3 unreachable/5xx)."""

    def __init__(self, message: str, exit_code: int = 1, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.body = body


class ApiError(CliFailure):
    """A problem+json answer (or any non-2xx answer) from the API."""

    def __init__(self, status: int, body: Any, text: str) -> None:
        self.status = status
        self.name, self.detail = describe_problem(status, body, text)
        self.detail = problem_detail(self.name, self.detail)
        message = f"{self.name} — {self.detail}" if self.detail else self.name
        super().__init__(message, 3 if status >= 500 else 1, body)


def describe_problem(status: int, body: Any, text: str) -> tuple[str, str]:
    """The problem's name (last path segment of `type`) and a one-line detail with field errors."""
    if isinstance(body, dict) and (body.get("type") or body.get("title")):
        name = str(body.get("type") or "").rstrip("/").rsplit("/", 1)[-1] or str(body.get("title"))
        detail = str(body.get("detail") or body.get("title") or "")
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            # the field messages say more than a generic "invalid fields" detail
            detail = "; ".join(
                f"{e.get('field')}: {e.get('message')}" if isinstance(e, dict) else str(e) for e in errors
            )
        return name, " ".join(detail.split())
    if isinstance(body, dict) and body.get("message"):
        return f"http-{status}", str(body["message"])
    return f"http-{status}", " ".join((text or "").split())[:200]


@dataclass
class Answer:
    status: int
    body: Any
    text: str
    content_type: str


class Api:
    """One API base URL and, when signed in, the session stored for it."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or DEFAULT_API).rstrip("/")
        self._session: credentials.Session | None | bool = False  # False: not read yet

    # --- session ---------------------------------------------------------------------------
    @property
    def session(self) -> credentials.Session | None:
        if self._session is False:
            self._session = credentials.load(self.base_url)
        return self._session  # type: ignore[return-value]

    def sign_in(self, email: str, password: str) -> credentials.Session:
        answer = self.call("POST", "/auth/token", {"email": email, "password": password}, auth=False)
        session = self._session_from(email, answer.body, None)
        credentials.save(self.base_url, session)
        self._session = session
        return session

    def sign_out(self) -> bool:
        self._session = None
        return credentials.forget(self.base_url)

    def _session_from(self, email: str, body: dict, refresh_token: str | None) -> credentials.Session:
        return credentials.Session(
            email=email,
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or refresh_token,
            expires_at=time.time() + int(body.get("expires_in") or 3600),
        )

    def refresh(self) -> bool:
        """Trade the refresh token for a new access token; False when there is none or it is refused."""
        session = self.session
        if session is None or not session.refresh_token:
            return False
        try:
            answer = self.call("POST", "/auth/token", {"refresh_token": session.refresh_token}, auth=False)
        except ApiError as error:
            if error.status in (400, 401, 422):
                return False
            raise
        renewed = self._session_from(session.email, answer.body, session.refresh_token)
        credentials.save(self.base_url, renewed)
        self._session = renewed
        return True

    def _token(self) -> str:
        session = self.session
        if session is None:
            raise CliFailure("unauthorized — not signed in: run `ticketing login` first", 1)
        if session.expired:
            self.refresh()
            session = self.session
        assert session is not None
        return session.access_token

    # --- requests --------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
        accept: str = "application/json",
    ) -> Answer:
        """One request; with `auth`, a 401 refreshes the token once and retries."""
        extra = dict(headers or {})
        if idempotent:
            extra.setdefault("Idempotency-Key", str(uuid.uuid4()))
        if not auth:
            return self._send(method, path, body, query, extra, None, accept)
        token = self._token()
        try:
            return self._send(method, path, body, query, extra, token, accept)
        except ApiError as error:
            if error.status != 401 or not self.refresh():
                if error.status == 401:
                    raise ApiError(
                        401,
                        {
                            "type": "unauthorized",
                            "detail": f"{error.detail}; sign in again with `ticketing login`",
                        },
                        "",
                    ) from error
                raise
        assert self.session is not None
        return self._send(method, path, body, query, extra, self.session.access_token, accept)

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        query: dict[str, Any] | None,
        headers: dict[str, str],
        token: str | None,
        accept: str,
    ) -> Answer:
        url = self.base_url + path
        if query:
            kept = {k: v for k, v in query.items() if v is not None and v != ""}
            if kept:
                url += "?" + urllib.parse.urlencode(kept)
        data = None
        sent = {"Accept": f"{accept}, application/problem+json", "User-Agent": "ticketing-cli", **headers}
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return _answer(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            answer = _answer(error.code, error.headers.get("Content-Type", ""), error.read())
            raise ApiError(error.code, answer.body, answer.text) from None
        except urllib.error.URLError as error:
            reason = getattr(error, "reason", error)
            raise CliFailure(f"unreachable — cannot reach the API at {self.base_url} ({reason})", 3) from None
        except (TimeoutError, ConnectionError) as error:
            raise CliFailure(
                f"unreachable — the API at {self.base_url} did not answer ({error})", 3
            ) from None

    def download(self, url: str, auth: bool) -> bytes:
        """A file from the API (relative URL, with the token) or from a pre-signed link (no token)."""
        if url.startswith("/"):
            url = self.base_url + url
        headers = {"User-Agent": "ticketing-cli"}
        if auth and url.startswith(self.base_url):
            headers["Authorization"] = f"Bearer {self._token()}"
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as error:
            answer = _answer(error.code, error.headers.get("Content-Type", ""), error.read())
            raise ApiError(error.code, answer.body, answer.text) from None
        except urllib.error.URLError as error:
            raise CliFailure(f"unreachable — cannot download {url} ({error.reason})", 3) from None


def _answer(status: int, content_type: str, raw: bytes) -> Answer:
    text = raw.decode("utf-8", errors="replace")
    body: Any = None
    if "json" in content_type or (text[:1] in "{[" and text):
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
    return Answer(status, body, text, content_type)
