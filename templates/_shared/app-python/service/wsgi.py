"""WSGI entry point for gunicorn: `gunicorn service.wsgi:app`."""

from __future__ import annotations

from service import logs
from service.app import create_app
from service.config import Config

config = Config.from_env()
logs.configure(config.log_level)
app = create_app(config)
