"""Per-key rate limits, enforced atomically in Redis by GCRA (the generic cell rate algorithm).

One Lua script reads and moves the key's theoretical arrival time, so concurrent requests on many
web processes can never together pass the limit: in any window of W seconds a key is admitted at
most `rate` + `rate` * W / 60 requests (a full minute's burst, then the steady rate), and a refused
request is told how long to wait. The clock is Redis's own (TIME), so web hosts' clocks do not matter.

The same call reads one more key the caller names (`watch`: the API key's version, screening/keys.py),
so a request costs one round trip to Redis, not two. It also says what is left (the RateLimit headers): how
many requests would pass now, and in how many seconds the whole budget is back.
"""

import functools
import math
from dataclasses import dataclass

from screening.shared_redis import redis_client

PERIOD_MS = 60_000

_GCRA = """
local watched = redis.call('GET', KEYS[2])
local period = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = period / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, math.ceil(allow_at - now), watched, 0, math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1)
return {1, 0, watched, math.floor((now + period - new_tat) / interval), math.ceil(new_tat - now)}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int  # whole seconds, as the Retry-After header wants them
    watched: bytes | None = None  # the value of `watch` when the rate was checked
    limit: int = 0  # requests a minute
    remaining: int = 0  # requests that would pass now
    reset_s: int = 0  # seconds until the whole budget is back


@functools.cache
def _script():
    return redis_client().register_script(_GCRA)


def rate_check(key_prefix: str, rate_per_minute: int, *, watch: str = "cs:rate:nothing") -> Verdict:
    limit = max(rate_per_minute, 1)
    reply = _script()(keys=[f"cs:rate:{key_prefix}", watch], args=[PERIOD_MS, limit])
    allowed, wait_ms, watched, remaining, reset_ms = reply  # a missing `watch` key comes back as None (Lua's false)
    return Verdict(
        bool(allowed), math.ceil(int(wait_ms) / 1000), watched, limit, int(remaining), math.ceil(int(reset_ms) / 1000)
    )
