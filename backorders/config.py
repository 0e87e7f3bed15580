"""Configuration from the environment (`BACKORDERS_*`), read once per process."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# HS256 signs with a 256-bit key; a shorter secret can be guessed offline from
# any one token (RFC 7518, section 3.2).
MIN_SECRET_BYTES = 32
# The largest value the schema's `Int` (and the stock columns) can carry.
INT32_MAX = 2**31 - 1


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

    # Requests: what one request may cost before anything runs.
    max_body_bytes: int = 1024 * 1024
    body_timeout_seconds: float = Field(default=10.0, gt=0)
    max_query_depth: int = 12
    max_query_tokens: int = 5000
    max_query_aliases: int = 30
    # Fields of the operation once every fragment spread is expanded.
    max_query_fields: int = Field(default=1000, ge=1)
    operation_timeout_seconds: float = Field(default=10.0, gt=0)
    max_line_quantity: int = Field(default=1_000_000, ge=1, le=INT32_MAX)

    # Rate limits in the `limits` notation ("600/minute", "10/second;300/hour");
    # empty: off. Counted in Redis when `redis_url` is set (shared by every
    # worker and host), else in this process's memory.
    rate_limit: str = ""
    mutation_rate_limit: str = ""
    stock_refusal_rate_limit: str = ""
    redis_url: str | None = None
    # Keeps the counters of deployments that share one Redis apart.
    redis_key_prefix: str = "backorders"

    # The database: connections per process and how long one statement may wait.
    db_pool_size: int = Field(default=10, ge=1, le=1000)
    db_lock_timeout_ms: int = Field(default=3000, ge=0)
    db_statement_timeout_ms: int = Field(default=8000, ge=0)

    idempotency_ttl_hours: int = Field(default=24, ge=24)
    # How often each process deletes expired idempotency keys; 0 turns it off.
    idempotency_purge_interval_seconds: int = Field(default=3600, ge=0)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("rate_limit", "mutation_rate_limit", "stock_refusal_rate_limit")
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            parse_many(value)  # ValueError names what is wrong
        return value.strip()

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

    def weak_secret_problem(self) -> str | None:
        """Why the signing secret must not be served with, or None when it is strong enough."""
        size = len(self.signing_secret().encode("utf-8"))
        if size >= MIN_SECRET_BYTES:
            return None
        source = (
            "BACKORDERS_JWT_SECRET" if self.jwt_secret else f"the secret in {self.jwt_secret_file}"
        )
        return (
            f"{source} has {size} bytes; HS256 needs at least {MIN_SECRET_BYTES} random bytes, "
            "or anyone holding one token can recover it offline and sign tokens of any role. "
            "Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
