"""Configuration from the environment (twelve-factor): nothing is read from files."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """Settings of the service."""

    port: int
    database_url: str
    log_level: str

    @classmethod
    def from_env(cls) -> Config:
        """Read the settings from environment variables."""
        return cls(
            port=int(os.environ.get("PORT", "8000")),
            database_url=os.environ.get("DATABASE_URL", ""),
            log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        )
