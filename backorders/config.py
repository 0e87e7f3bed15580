"""Configuration from the environment (`BACKORDERS_*`), read once per process."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKORDERS_", extra="ignore")

    # An embedded SQLite file in the working directory: nothing to set up.
    database_url: str = "sqlite://backorders.sqlite3"
    # Unset: a random secret is made once and kept in `jwt_secret_file`, so a
    # fresh install never runs on a well-known key and `backorders token`
    # signs with the same one the server checks.
    jwt_secret: str | None = None
    jwt_secret_file: Path = Path(".backorders-jwt-secret")
    jwt_leeway_seconds: int = 30
    max_body_bytes: int = 1024 * 1024
    max_query_depth: int = 12
    max_query_tokens: int = 5000
    max_query_aliases: int = 30
    idempotency_ttl_hours: int = Field(default=24, ge=24)
    # How often each process deletes expired idempotency keys; 0 turns it off.
    idempotency_purge_interval_seconds: int = Field(default=3600, ge=0)
    log_level: str = "INFO"

    def signing_secret(self) -> str:
        if self.jwt_secret:
            return self.jwt_secret
        path = self.jwt_secret_file
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        secret = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(secret, encoding="utf-8")
        return secret


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
