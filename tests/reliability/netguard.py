"""A socket-level guard for pipeline subprocesses: record every connect() and name lookup.

`install(logfile)` patches `socket.socket.connect`/`connect_ex`, `socket.getaddrinfo` and
`socket.gethostbyname` so each call appends one JSON line `{"op", "host", "port", "allowed"}` to
`logfile` (O_APPEND, safe across threads and child processes), and refuses anything that is not
loopback or a Unix socket, so a stray call fails loudly instead of reaching the internet.
`read(logfile)` returns the lines. `strace_connects(text)` parses `strace -f -e trace=connect`
output for the same check one level lower (native code included).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
from typing import Any

LOOPBACK_NAMES = {"localhost", "ip6-localhost", "localhost.localdomain"}


def is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths, abstract sockets
    h = host.strip("[]").split("%")[0]
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def install(logfile: str) -> None:
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_gethostbyname = socket.getaddrinfo, socket.gethostbyname

    def note(op: str, host: Any, port: Any, allowed: bool) -> None:
        line = json.dumps({"op": op, "host": host if isinstance(host, str) else repr(host),
                           "port": port, "allowed": allowed, "pid": os.getpid()}) + "\n"
        fd = os.open(logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def check(op: str, sock: socket.socket | None, address: Any) -> None:
        if sock is not None and sock.family == getattr(socket, "AF_UNIX", None):
            return
        host, port = (address[0], address[1]) if isinstance(address, tuple) else (address, None)
        ok = is_loopback(host)
        note(op, host, port, ok)
        if not ok:
            raise ConnectionRefusedError(f"netguard: refused {op} to {host!r}:{port}")

    def connect(self: socket.socket, address: Any) -> Any:
        check("connect", self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        check("connect", self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        h = host.decode() if isinstance(host, bytes) else host
        if h is not None:
            check("resolve", None, (h, port))
        return real_getaddrinfo(host, port, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        check("resolve", None, (host, None))
        return real_gethostbyname(host)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = gethostbyname  # type: ignore[assignment]


def read(logfile: str) -> list[dict[str, Any]]:
    if not os.path.exists(logfile):
        return []
    with open(logfile, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


_INET = re.compile(r'connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\),.*?'
                   r'(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"\))')


def strace_connects(text: str) -> list[tuple[str, int]]:
    """(address, port) of every AF_INET/AF_INET6 connect() in strace output."""
    return [(m.group(2) or m.group(3), int(m.group(1))) for m in _INET.finditer(text)]
