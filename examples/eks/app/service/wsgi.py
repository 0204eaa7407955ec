"""WSGI entry point for gunicorn: `gunicorn service.wsgi:app`."""

from __future__ import annotations

import logging
import sys

from service.app import create_app
from service.config import Config

config = Config.from_env()
# Logs go to stdout; the container runtime collects them.
logging.basicConfig(
    stream=sys.stdout,
    level=config.log_level,
    format="%(asctime)s %(levelname)s %(name)s %(message)s",
)
app = create_app(config)
