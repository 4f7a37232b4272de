"""Small shared flags in Redis: cancel requests for running jobs, and the heartbeats of live workers.

Celery's ``revoke`` cannot stop a task that is already running in a solo worker, so a cancel is
a key the painting loop looks at between two steps. A worker is live while its heartbeat key
exists; the key expires a few seconds after the worker stops renewing it.
"""

from __future__ import annotations

import json
from typing import Any

import redis

#: How long a cancel request waits for a worker to notice it.
CANCEL_SECONDS = 24 * 3600


class RedisCancelFlags:
    """Ids of jobs that must stop at their next step, visible to every machine (like :class:`CancelFlags`)."""

    def __init__(self, client: redis.Redis, prefix: str):
        self.redis = client
        self.prefix = prefix

    def _key(self, job_id: str) -> str:
        return f"{self.prefix}cancel:{job_id}"

    def set(self, job_id: str) -> None:
        self.redis.set(self._key(job_id), 1, ex=CANCEL_SECONDS)

    def is_set(self, job_id: str) -> bool:
        return bool(self.redis.exists(self._key(job_id)))

    def clear(self, job_id: str) -> None:
        self.redis.delete(self._key(job_id))


class WorkerRegistry:
    """Heartbeats of the workers: who is live, on which device and host, painting which job."""

    def __init__(self, client: redis.Redis, prefix: str):
        self.redis = client
        self.prefix = prefix

    def beat(self, name: str, info: dict[str, Any], *, ttl_seconds: float) -> None:
        self.redis.set(f"{self.prefix}worker:{name}", json.dumps(info), px=max(1, int(ttl_seconds * 1000)))

    def leave(self, name: str) -> None:
        self.redis.delete(f"{self.prefix}worker:{name}")

    def live(self) -> list[dict[str, Any]]:
        """The live workers, sorted by name."""
        keys = sorted(self.redis.scan_iter(match=f"{self.prefix}worker:*", count=500))
        values = self.redis.mget(keys) if keys else []
        return [json.loads(value) for value in values if value]
