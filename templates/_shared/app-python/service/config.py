"""Configuration from the environment (twelve-factor)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """Settings of the service.

    `database_password_file` names a file holding the database password (a mounted Secret); it is
    read again for every new connection, so a rotated secret needs no restart.
    """

    port: int
    database_url: str
    log_level: str
    database_password_file: str = ""

    @classmethod
    def from_env(cls) -> Config:
        """Read the settings from environment variables."""
        return cls(
            port=int(os.environ.get("PORT", "{{ cookiecutter.app_port }}")),
            database_url=os.environ.get("DATABASE_URL", ""),
            log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
            database_password_file=os.environ.get("DATABASE_PASSWORD_FILE", ""),
        )
