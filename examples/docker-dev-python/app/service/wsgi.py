"""WSGI entry point for gunicorn: `gunicorn service.wsgi:app`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from service import logs
from service.app import Service, create_app
from service.config import Config

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def close_connections_when_stopping(wsgi_app: WsgiApp, service: Service) -> WsgiApp:
    """Once shutdown has begun, every response tells its client to close the connection.

    gunicorn decides keep-alive when a request arrives, so a request already in flight at
    SIGTERM would be answered `Connection: keep-alive` and then closed under the client. An app
    may not send the hop-by-hop `Connection` header itself (PEP 3333), so this asks gunicorn's
    response object, whose `start_response` it is.
    """

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            response = getattr(start_response, "__self__", None)
            if service.readiness.stopping and hasattr(response, "force_close"):
                response.force_close()
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return middleware


config = Config.from_env()
logs.configure(config.log_level)
app = create_app(config)
app.wsgi_app = close_connections_when_stopping(app.wsgi_app, app.extensions["service"])
