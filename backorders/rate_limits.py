"""Rate limits per principal, counted in Redis across workers and hosts (or in memory).

Three budgets, each in the `limits` notation and off when empty:
- requests: every POST of a principal;
- mutations: mutation operations of a principal, a tighter budget;
- stock refusals: INSUFFICIENT_STOCK refusals answered to a principal outside
  `PrintIQ_Sales_CanViewAvailableQuantity`. Such a refusal says "fewer than q
  are available"; a caller could bisect the hidden figure with them. Once the
  budget is spent, that principal's mutations are refused outright until it
  refills, whatever their outcome would be, so the refusal itself leaks nothing.
  The HTTP layer checks it before a mutation request and counts after, with
  one such request of a principal at a time per process: parallel requests
  cannot all slip through one check (across N processes, at most N can).

When Redis cannot be reached the limits let requests through and a warning is
logged (at most once a minute): the service stays up, and the limits come
back with Redis. The stock figures never depend on them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from enum import StrEnum

import redis.asyncio
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from backorders.config import Settings

logger = logging.getLogger("backorders.rate_limits")
WARN_EVERY_SECONDS = 60.0


class Budget(StrEnum):
    REQUESTS = "requests"
    MUTATIONS = "mutations"
    STOCK_REFUSALS = "stock-refusals"


@dataclass(frozen=True)
class Refused:
    """A budget is spent; `retry_after` whole seconds until it has room again."""

    budget: Budget
    retry_after: int


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.items: dict[Budget, list[RateLimitItem]] = {
            Budget.REQUESTS: _items(settings.rate_limit),
            Budget.MUTATIONS: _items(settings.mutation_rate_limit),
            Budget.STOCK_REFUSALS: _items(settings.stock_refusal_rate_limit),
        }
        self.storage: Storage
        self.pool: redis.asyncio.ConnectionPool | None = None
        if settings.redis_url:
            url = settings.redis_url.removeprefix("async+")
            # Our own pool, so that shutdown can close its connections.
            self.pool = redis.asyncio.ConnectionPool.from_url(
                url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
            self.storage = RedisStorage(
                f"async+{url}",
                implementation="redispy",
                key_prefix=settings.redis_key_prefix,
                connection_pool=self.pool,  # type: ignore[arg-type]  # typed as options
            )
        else:
            self.storage = MemoryStorage()
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self._last_warning = -math.inf

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()
        timer = getattr(self.storage, "timer", None)  # MemoryStorage's expiry task
        if isinstance(timer, asyncio.Task):
            timer.cancel()

    def enabled(self, budget: Budget) -> bool:
        return bool(self.items[budget])

    async def hit(self, budget: Budget, principal: str, cost: int = 1) -> Refused | None:
        """Count `cost` against the budget; Refused when it had not that much room left."""
        for item in self.items[budget]:
            try:
                allowed = await self.limiter.hit(item, budget.value, principal, cost=cost)
            except Exception as error:  # noqa: BLE001 - an outage of Redis must not stop requests
                self._warn(error)
                return None
            if not allowed:
                return await self._refused(budget, item, principal)
        return None

    async def check(self, budget: Budget, principal: str) -> Refused | None:
        """Refused when the budget is spent, without counting anything."""
        for item in self.items[budget]:
            try:
                allowed = await self.limiter.test(item, budget.value, principal)
            except Exception as error:  # noqa: BLE001
                self._warn(error)
                return None
            if not allowed:
                return await self._refused(budget, item, principal)
        return None

    async def _refused(self, budget: Budget, item: RateLimitItem, principal: str) -> Refused:
        try:
            stats = await self.limiter.get_window_stats(item, budget.value, principal)
            wait = stats.reset_time - time.time()
        except Exception as error:  # noqa: BLE001
            self._warn(error)
            wait = item.get_expiry()
        return Refused(budget, max(1, math.ceil(wait)))

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning("Rate limits not enforced: the counter store failed: %r", error)


def _items(notation: str) -> list[RateLimitItem]:
    return list(parse_many(notation)) if notation else []
