"""A pass-through proxy in front of PostgreSQL that counts round trips on the wire.

Every frontend message the client sends is parsed by type. A round trip is a message after which the
client must wait for the server: Sync ('S', end of an extended-protocol exchange), Query ('Q', a simple
query) or FunctionCall ('F'). BEGIN/COMMIT sent as statements are counted too (they are queries). This
counts what psycopg/libpq really send — including the extra Parse round trip psycopg makes the first
time it prepares a statement on a connection — rather than estimating from the code.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROUND_TRIP_TYPES = {ord("S"): "sync", ord("Q"): "query", ord("F"): "function-call"}
_SSL_REQUEST = 80877103
_GSS_REQUEST = 80877104
_CANCEL_REQUEST = 80877102


class RoundTripCounter:
    """Listens where libpq would look for a server and forwards to the real one, counting round trips."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        params = conninfo_to_dict(server_url)
        self._target_host = params.get("host") or "/tmp"  # noqa: S108 - libpq's default socket directory
        self._target_port = int(params.get("port") or 5432)
        self._lock = threading.Lock()
        self.round_trips = 0
        self.by_type: dict[str, int] = {}
        self.statements: list[str] = []  # the SQL text of each Parse / Query since reset()
        self._folder: str | None = None
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> str:
        """Start listening; returns a URL like the server's but reaching it through the proxy."""
        if self._target_host.startswith("/"):
            self._folder = tempfile.mkdtemp(prefix="bench-wire-")
            path = Path(self._folder) / f".s.PGSQL.{self._target_port}"
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(path))
            url = make_conninfo(self.server_url, host=self._folder, port=str(self._target_port))
        else:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            url = make_conninfo(
                self.server_url,
                host="127.0.0.1",
                port=str(listener.getsockname()[1]),
                sslmode="disable",  # the proxy must read the messages
                gssencmode="disable",
            )
        listener.listen(64)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="wire-proxy", daemon=True)
        self._thread.start()
        return url

    def _connect_target(self) -> socket.socket:
        if self._target_host.startswith("/"):
            target = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target.connect(str(Path(self._target_host) / f".s.PGSQL.{self._target_port}"))
        else:
            target = socket.create_connection((self._target_host, self._target_port))
            target.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return target

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if client.family == socket.AF_INET:
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            target = self._connect_target()
            self._sockets += [client, target]
            threading.Thread(target=self._client_to_server, args=(client, target), daemon=True).start()
            threading.Thread(target=self._pipe, args=(target, client), daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.round_trips = 0
            self.by_type = {}
            self.statements = []

    def _count(self, message_type: int, body: bytes) -> None:
        if message_type in (ord("P"), ord("Q")):
            if message_type == ord("P"):
                body = body.split(b"\0", 1)[1] if b"\0" in body else body
            text = " ".join(body.split(b"\0", 1)[0].decode("utf-8", "replace").split())
            with self._lock:
                self.statements.append(("parse: " if message_type == ord("P") else "query: ") + text[:80])
        kind = ROUND_TRIP_TYPES.get(message_type)
        if kind is not None:
            with self._lock:
                self.round_trips += 1
                self.by_type[kind] = self.by_type.get(kind, 0) + 1

    @staticmethod
    def _pipe(
        source: socket.socket, sink: socket.socket, seen: Callable[[bytes], None] = lambda data: None
    ) -> None:
        """Copy what source sends to sink, showing each chunk to `seen`, until either side closes."""
        with contextlib.suppress(OSError):
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
                seen(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _client_to_server(self, source: socket.socket, sink: socket.socket) -> None:
        self._pipe(source, sink, _FrontendMessages(self._count).feed)

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
        if self._folder:
            for entry in Path(self._folder).iterdir():
                entry.unlink()
            os.rmdir(self._folder)
            self._folder = None


class _FrontendMessages:
    """Splits what a client sends into the protocol's messages (after the startup packet, every message is a
    type byte and a length) and hands each (type, body) to `count`."""

    def __init__(self, count: Callable[[int, bytes], None]) -> None:
        self._count = count
        self._buffer = b""
        self._started = False

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while True:
            buffer = self._buffer
            if not self._started:
                if len(buffer) < 8:
                    return
                length, code = struct.unpack("!ii", buffer[:8])
                if len(buffer) < length:
                    return
                self._buffer = buffer[length:]
                if code not in (_SSL_REQUEST, _GSS_REQUEST, _CANCEL_REQUEST):
                    self._started = True
                continue
            if len(buffer) < 5:
                return
            length = struct.unpack("!i", buffer[1:5])[0]
            if len(buffer) < 1 + length:
                return
            self._count(buffer[0], buffer[5 : 1 + length])
            self._buffer = buffer[1 + length :]
