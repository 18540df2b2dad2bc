"""`pairsmith review serve`: a local web page over a ReviewSession, on the standard library's
threading HTTP server (no framework, no build step, works offline).

Security: binds to 127.0.0.1 unless told otherwise with `expose=True`, and then every request
needs the server's token. Writes are POSTs with a JSON body and the token in the
`X-Pairsmith-Token` header, which another site can neither read nor send; a GET never writes.
The page builds every piece of pair text with `textContent`, and its Content-Security-Policy
allows no inline script, so text that looks like HTML is shown, never run. The Host header must
name this server (no DNS rebinding).
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import webbrowser
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from moderation.review_session import FILTER_KEYS, ReviewSession
from pairsmith.core.errors import InputError, PairsmithError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_ASSETS = {"/app.js": "application/javascript; charset=utf-8", "/style.css": "text/css; charset=utf-8"}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_MAX_BODY = 4 * 1024 * 1024


def _asset(name: str) -> bytes:
    return resources.files("moderation").joinpath("review_page", name).read_bytes()


class ReviewServer(ThreadingHTTPServer):
    """The HTTP server holding the session and the token."""

    daemon_threads = True

    def __init__(self, session: ReviewSession, host: str = "127.0.0.1", port: int = 8765, expose: bool = False) -> None:
        if host not in LOCAL_HOSTS and not expose:
            raise InputError(f"--host {host} makes the review page reachable from other machines: "
                             "pass --expose to allow it (every request then needs the printed token)")
        self.session = session
        self.token = secrets.token_urlsafe(24)
        self.expose = expose
        super().__init__((host, port), ReviewHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        shown = f"[{shown}]" if ":" in str(shown) else shown
        return f"http://{shown}:{port}/" + (f"?token={self.token}" if self.expose else "")


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "pairsmith-review"
    timeout = 30  # a client that announces more body than it sends does not hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return  # one line per request would bury the terminal

    # --- plumbing ---------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _token_ok(self, query: dict[str, list[str]]) -> bool:
        given = self.headers.get("X-Pairsmith-Token") or (query.get("token") or [""])[0]
        return hmac.compare_digest(given.encode(), self.server.token.encode())

    def _host_ok(self) -> bool:
        if self.server.expose:
            return True
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        return host in LOCAL_HOSTS

    # --- GET: the page and reads --------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "unknown Host header")
        if url.path in _ASSETS:  # the page's script and style are no secret (a <script src> sends no token)
            return self._send(HTTPStatus.OK, _asset(url.path.lstrip("/")), _ASSETS[url.path])
        if self.server.expose and not self._token_ok(query):
            return self._error(HTTPStatus.FORBIDDEN, "this server needs its token: open the URL it printed")
        if url.path == "/":
            page = _asset("index.html").decode("utf-8").replace("__TOKEN__", self.server.token)
            page = page.replace("__FILE__", _escape(str(self.server.session.path)))
            return self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
        if url.path == "/api/pairs":
            filters = {k: (query.get(k) or [""])[0] for k in FILTER_KEYS}
            page = self.server.session.page(filters, sort=(query.get("sort") or [""])[0],
                                            descending=(query.get("order") or [""])[0] == "desc",
                                            offset=_int(query, "offset", 0), limit=_int(query, "limit", 100))
            return self._json(HTTPStatus.OK, {**asdict(page), "file": str(self.server.session.path),
                                              "store": str(self.server.session.store)})
        if url.path.startswith("/api/pair/"):
            try:
                return self._json(HTTPStatus.OK, self.server.session.detail(unquote(url.path.removeprefix("/api/pair/"))))
            except KeyError:
                return self._error(HTTPStatus.NOT_FOUND, "no such pair")
        return self._error(HTTPStatus.NOT_FOUND, "not found")

    # --- POST: decisions ----------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        url = urlsplit(self.path)
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "unknown Host header")
        if not self._token_ok({}):
            return self._error(HTTPStatus.FORBIDDEN, "writes need the X-Pairsmith-Token header of this server's page")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if not 0 < length <= _MAX_BODY:
            return self._error(HTTPStatus.BAD_REQUEST, "a JSON body is needed")
        try:
            body = json.loads(self.rfile.read(length))
            if not isinstance(body, dict):
                raise ValueError
        except (ValueError, RecursionError, OSError):
            return self._error(HTTPStatus.BAD_REQUEST, "the body is not a JSON object")
        session = self.server.session
        try:
            if url.path == "/api/decide":
                instruction, output = _text(body, "instruction"), _text(body, "output")
                records = session.decide(_ids(body), str(body.get("status", "")), instruction, output,
                                         str(body.get("note") or ""))
                return self._json(HTTPStatus.OK, {"decided": len(records), "ids": [r["id"] for r in records]})
            if url.path == "/api/bulk":
                raw = body.get("filter") or {}
                if not isinstance(raw, dict):
                    raise ValueError("filter must be an object of decision, status, reason, source, q")
                filters = {k: str(v) for k, v in raw.items() if k in FILTER_KEYS}
                with session.lock:  # what the filter matches and the decisions are one step
                    ids = [row.pair.id for row in session.select(filters)]
                    if body.get("expect") is not None and int(body["expect"]) != len(ids):
                        return self._json(HTTPStatus.CONFLICT, {"error": f"the filter now matches {len(ids)} pairs, "
                                                                f"not {body['expect']}: confirm again", "count": len(ids)})
                    records = session.decide(ids, str(body.get("status", "")), bulk=True) if ids else []
                return self._json(HTTPStatus.OK, {"decided": len(records), "ids": ids})
            if url.path == "/api/undo":
                ids = _ids(body)
                return self._json(HTTPStatus.OK, {"ids": ids, "now": session.undo(ids)})
        except KeyError as missing:
            return self._error(HTTPStatus.NOT_FOUND, f"no pair {missing.args[0]} in this file")
        except (PairsmithError, ValueError, TypeError) as error:
            return self._error(HTTPStatus.BAD_REQUEST, str(error))
        return self._error(HTTPStatus.NOT_FOUND, "not found")


def _ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("ids", [body["id"]] if "id" in body else [])
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValueError("name the pairs: {\"id\": ...} or {\"ids\": [...]}")
    return ids


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


def _int(query: dict[str, list[str]], key: str, default: int) -> int:
    try:
        return int((query.get(key) or [default])[0])
    except ValueError:
        return default


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def start(session: ReviewSession, host: str = "127.0.0.1", port: int = 8765, expose: bool = False,
          tries: int = 20) -> ReviewServer:
    """A server on `port`, or the next free one of `tries` (port 0: any free port)."""
    last: OSError | None = None
    for candidate in [port] if port == 0 else range(port, port + tries):
        try:
            return ReviewServer(session, host, candidate, expose)
        except OSError as error:
            last = error
    raise InputError(f"cannot listen on {host}:{port} ({last}): pass another --port")


def serve(path: str | Path, store: str | Path, host: str = "127.0.0.1", port: int = 8765, expose: bool = False,
          open_browser: bool = True, reviewer: str = "", ready: Any = None) -> None:
    """Serve the review page for `path` until interrupted; decisions go to `store`."""
    from pairsmith.core.log import say
    from pairsmith.core.outputs import Output, claim_outputs

    with claim_outputs({"FILE": path}, [Output.file(store, "--reviews")]):
        session = ReviewSession(path, store, reviewer)
        server = start(session, host, port, expose)
        say(f"reviewing {len(session.rows)} pairs of {Path(path)}; decisions go to {store}")
        say(f"open {server.url}  (Ctrl-C stops; every decision is already saved)")
        if ready is not None:
            ready(server)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
