"""A total time limit for HTTP fetches: an httpx transport whose sockets share one deadline."""

from __future__ import annotations

import math
import ssl
import threading
import time
from collections.abc import Iterable
from functools import cache
from typing import Any

import httpcore
import httpx

# httpx's timeouts bound each connect, read and write, never a whole response: a server that
# sends a byte every few seconds (headers or body) keeps a fetch alive forever. Every socket
# operation here waits at most until the deadline, then fails as a timeout.


class Deadline(threading.local):
    """The moment the current fetch must be done by (none until started), one per thread."""

    def __init__(self) -> None:
        self.at = math.inf

    def start(self, seconds: float) -> None:
        """Set the deadline `seconds` from now."""
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Return the seconds left before the deadline (negative once passed)."""
        return self.at - time.monotonic()

    def passed(self) -> bool:
        """Return True once the deadline has passed."""
        return self.left() <= 0

    def cap(self, timeout: float | None, error: type[Exception]) -> float:
        """Return a socket timeout that ends by the deadline; raise `error` once it has passed."""
        left = self.left()
        if left <= 0:
            raise error("deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
        tls = self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: Deadline) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_unix_socket(path, timeout, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


@cache
def ssl_context() -> ssl.SSLContext:
    """Return httpx's default TLS context, made once per process (loading it takes ~0.1 s)."""
    return httpx.create_ssl_context()


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's default transport, each socket operation bounded by the calling thread's Deadline."""

    def __init__(self, deadline: Deadline, max_connections: int = 10) -> None:
        super().__init__(verify=ssl_context())
        # httpx takes no network backend, so its connection pool is rebuilt with one
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context(),
            max_connections=max_connections,
            network_backend=_DeadlineBackend(deadline),
        )
