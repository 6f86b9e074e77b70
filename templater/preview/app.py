"""The preview page's web app: a JSON API over a Workspace, and the static page.

Safe by default: it answers only requests whose Host header is one of the addresses it serves
(no DNS rebinding); every request that writes carries the per-run token that the page receives
in its own HTML and must come from the page's own origin when the browser says where it comes
from. Work runs off the event loop with a time limit, so a template that takes long to lint or
render holds one worker thread, never the server.
"""
from __future__ import annotations

import asyncio
import functools
import json
import secrets
from importlib import resources
from typing import Any, Callable

from anyio import to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from templater.errors import TemplaterError
from templater.preview.workspace import Refused, Workspace, library

TIME_LIMIT = 10.0  # seconds a request may work before it is answered 503
TOKEN_HEADER = "X-Templater-Token"
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


def _static() -> Any:
    return resources.files("templater.preview") / "static"


def create_app(workspace: Workspace, hosts: tuple[str, ...] = LOCAL_NAMES, token: str | None = None,
               time_limit: float = TIME_LIMIT) -> "HostCheck":
    """The app over one workspace. hosts: the host names (without port) the Host header may carry."""
    token = token or secrets.token_urlsafe(24)
    allowed = {h.lower() for h in hosts}

    async def work(func: Callable[..., Any], *args: Any) -> Any:
        try:
            # abandon_on_cancel: past the limit the answer goes out at once; the thread finishes on
            # its own (the sandbox's step budget bounds a render) and its result is dropped.
            return await asyncio.wait_for(to_thread.run_sync(functools.partial(func, *args), abandon_on_cancel=True),
                                          time_limit)
        except asyncio.TimeoutError:
            raise Refused(f"the template took longer than {time_limit:g} s: nothing was done", 503) from None

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise Refused("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Refused("the request body must be a JSON object")
        return data

    def writes(request: Request) -> None:
        if not secrets.compare_digest(request.headers.get(TOKEN_HEADER, ""), token):
            raise Refused(f"missing or wrong {TOKEN_HEADER}: reload the page", 403)
        origin = request.headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1].lower() != request.headers.get("host", "").lower():
            raise Refused("a write from another site is refused", 403)

    def api(handler: Callable[[Request], Any], write: bool = False) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                if write:
                    writes(request)
                return JSONResponse(await handler(request))
            except Refused as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            except TemplaterError as exc:
                return JSONResponse({"error": str(exc)}, status_code=422)
        return endpoint

    async def page(request: Request) -> Response:
        html = (_static() / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("{{TOKEN}}", token).replace("{{FOLDER}}", _html(workspace.arg)),
                            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                     "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"})

    async def templates(request: Request) -> Any:
        workspace.refresh()
        return {"folder": workspace.arg, "templates": await work(workspace.summary)}

    async def lint(request: Request) -> Any:
        data = await body(request)
        return await work(workspace.check, data.get("path"), data.get("text"), data.get("values") or {})

    async def read(request: Request) -> Any:
        path = request.query_params.get("path", "")
        return {"path": path, "text": await work(workspace.read, path)}

    async def save(request: Request) -> Any:
        data = await body(request)
        await work(workspace.save, data.get("path"), data.get("text"))
        return {"saved": data.get("path")}

    async def fix(request: Request) -> Any:
        data = await body(request)
        return await work(workspace.fix, data.get("path"), data.get("text"))

    async def new(request: Request) -> Any:
        data = await body(request)
        return await work(workspace.new, str(data.get("name") or ""), data.get("language") or None,
                          data.get("brand") or None, str(data.get("folder") or ""))

    async def recipients(request: Request) -> Any:
        return {"files": await work(workspace.recipient_files)}

    async def rows(request: Request) -> Any:
        path = request.query_params.get("path", "")
        return {"path": path, "rows": await work(workspace.rows, path)}

    async def lib(request: Request) -> Any:
        return {"templates": await work(library)}

    async def copy(request: Request) -> Any:
        data = await body(request)
        return await work(workspace.copy, str(data.get("id") or ""), str(data.get("folder") or ""))

    routes = [
        Route("/", page),
        Route("/api/templates", api(templates)),
        Route("/api/lint", api(lint), methods=["POST"]),
        Route("/api/file", api(read)),
        Route("/api/save", api(save, write=True), methods=["POST"]),
        Route("/api/fix", api(fix), methods=["POST"]),
        Route("/api/new", api(new, write=True), methods=["POST"]),
        Route("/api/recipients", api(recipients)),
        Route("/api/rows", api(rows)),
        Route("/api/library", api(lib)),
        Route("/api/library/copy", api(copy, write=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(_static())), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.token = token
    return HostCheck(app, allowed)


class HostCheck:
    """ASGI middleware: answers 421 to a request whose Host header names another host, which is
    what a DNS-rebinding page sends."""

    def __init__(self, app: Starlette, allowed: set[str]) -> None:
        self.app, self.allowed, self.state = app, allowed, app.state

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            host = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1")
            name = host if host.endswith("]") else host.rsplit(":", 1)[0] if ":" in host else host
            if name.lower() not in self.allowed:
                response = JSONResponse({"error": f"Host '{host}' is not served here (DNS rebinding?)"},
                                        status_code=421)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
