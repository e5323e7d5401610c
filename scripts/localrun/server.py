"""The HTTP listener: a threading server with keep-alive, TCP_NODELAY and one write per response.

Without TCP_NODELAY and with headers and body in two writes, Nagle + delayed ACK stall every
response ~40 ms (see PERFORMANCE-NOTES.md).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from localrun.gateway import Gateway, HttpResponse, problem

log = logging.getLogger("localrun.server")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class _BadRequest(Exception):
    pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "localrun"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    server: LocalApiServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.debug(format % args)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            total = 0
            while True:
                size_line = self.rfile.readline(1024)
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError as exc:
                    raise _BadRequest("malformed chunk") from exc
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise _BadRequest("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length_text = self.headers.get("Content-Length") or "0"
        try:
            length = int(length_text)
        except ValueError as exc:
            raise _BadRequest("malformed Content-Length") from exc
        if length < 0 or length > MAX_BODY_BYTES:
            raise _BadRequest("body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._write(problem(400, "malformed", "Malformed request", str(exc)))
            return
        try:
            response = self.server.gateway.handle(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
        except Exception:
            log.exception("gateway failure")
            response = problem(500, "internal", "Internal Server Error", "The local gateway failed")
        self._write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str):
        # Every other method (TRACE, CONNECT, made-up ones) goes through the gateway too, which answers 405
        # with Allow; the base class would send its own 501 HTML page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class's errors (bad request line, URI or header too long) as problem+json, not HTML."""
        self.close_connection = True
        try:
            title = HTTPStatus(code).phrase
        except ValueError:
            title = "Error"
        if not getattr(self, "command", None):
            self.command = "GET"  # the request line could not be read: answer with a body
        self._write(problem(code, "malformed", title, message or title))

    def _write(self, response: HttpResponse) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        body = b"" if self.command == "HEAD" else response.body
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in response.headers if name.lower() != "content-length"]
        lines.append(f"Content-Length: {len(response.body)}")
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines.append("Connection: " + ("close" if self.close_connection else "keep-alive"))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        self.wfile.write(head + body)  # one write: headers and body in the same segment


class LocalApiServer(ThreadingHTTPServer):
    """ThreadingHTTPServer tuned for keep-alive clients; tracks connections so stop() closes them."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        self.gateway = gateway
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, _RequestHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def get_request(self) -> tuple[socket.socket, tuple]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def start_in_thread(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="localrun-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(5)
            self._thread = None
        self.server_close()
        with self._connections_lock:
            open_connections = list(self._connections)
            self._connections.clear()
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
