"""`agents-runner ui`: the page and the API of agents_runner/web, on a port of its own."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import re
import socket
import sys
from typing import Any

from .common import BadInput, open_store


def _listening(host: str, port: int) -> socket.socket:
    """A socket bound and listening, or BadInput naming the option at fault."""
    if not 0 <= port <= 65535:
        raise BadInput(f"--port: {port} is not a port (0 to 65535; 0 picks a free one)")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as exc:
        raise BadInput(f"--host: cannot listen on {host!r}: {exc.strerror}") from None
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"--port: {port} is already in use on {host}") from None
        raise BadInput(f"--host: cannot listen on {host}:{port}: {exc.strerror}") from None
    listener.listen(128)
    return listener


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


TOKEN_VARIABLE = "AGENTS_RUNNER_UI_TOKEN"


def _token() -> str:
    """AGENTS_RUNNER_UI_TOKEN, checked, or a new random token."""
    chosen = os.environ.get(TOKEN_VARIABLE)
    if chosen is None:
        from ..web.auth import new_token

        return new_token()
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,}", chosen):
        raise BadInput(
            f"{TOKEN_VARIABLE}: at least 16 letters, digits, '-' or '_' (it stands in "
            "for a password)"
        )
    return chosen


def cmd_ui(args: argparse.Namespace) -> int:
    store = open_store(args)
    token = _token()
    listener = _listening(args.host, args.port)
    port = listener.getsockname()[1]
    from ..web.app import make_app

    if not _loopback(args.host):
        print(
            f"agents-runner: warning: listening on {args.host}: anyone who can reach it and "
            "holds the token can see and stop this state dir's tasks",
            file=sys.stderr,
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown}:{port}/?token={token}"
    print(url, flush=True)
    if args.open:
        _open_in_browser(url)
    return _serve(make_app(store, str(store.root), token), listener)


def _open_in_browser(url: str) -> None:
    """Open `url` in the user's browser (Python's webbrowser, which follows $BROWSER),
    from a thread: the socket already listens, so its request waits for the server. A
    machine with no browser is told so, and serving goes on."""
    import threading
    import webbrowser

    def open_it() -> None:
        if not webbrowser.open(url):
            print("agents-runner: no browser to open; open the URL above", file=sys.stderr)

    threading.Thread(target=open_it, name="open-browser", daemon=True).start()


def stopping_server(app: Any) -> Any:
    """uvicorn's server for `app`, remembering the signal that stopped it, and ending the
    app's event streams (`app.state.closing`) at the first, so that it can stop."""
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, remembering the last signal that stopped it."""

        stopped_by = 0

        def handle_exit(self, sig: int, frame: Any) -> None:
            first, self.stopped_by = not self.stopped_by, sig
            # A second signal may come while the first one's handler is setting the
            # event, under the event's lock: setting it again there would wait for ever.
            if first:
                app.state.closing.set()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=5
    )
    return Server(config)


def _serve(app: Any, listener: socket.socket) -> int:
    server = stopping_server(app)
    server.run(sockets=[listener])
    # uvicorn raises the signal that stopped it again once it has shut down, so that
    # Ctrl-C usually ends the command as KeyboardInterrupt (130) and SIGTERM by the
    # signal; where that signal was ignored from the start (a `ui &` in a script),
    # run() returns, and the status says which signal it was.
    return 128 + server.stopped_by if server.stopped_by else 0
