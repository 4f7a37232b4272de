"""The job store of cluster mode, in Redis, shared by the web server and every worker.

A job is a hash ``<prefix>job:<id>``; a sorted set per status (scored by creation time) gives
counts, queue positions and the oldest waiting job, and ``<prefix>jobs`` finds expired ones. Every
transition is one Lua script, so it is atomic across machines and guarded by the state it leaves.

A running job carries a lease: the run's owner token and an expiry on Redis's own clock, renewed
by the painting worker's heartbeat. Progress and the final status are written only by the lease's
owner, so a stale run (a worker that stalled and lost its lease, or a duplicate delivery) changes
nothing; a job whose lease ran out is queued again, or failed once it has been tried
``max_attempts`` times (:meth:`RedisJobStore.recover`).
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis

from facestyle.web.jobs import FINISHED, QUEUED, Job, QueueFull, crash_reason

DEFAULT_PREFIX = "facestyle:"

# Helpers every script starts with: the keys of a job, a status change, Redis's clock.
_LIB = """
local P = ARGV[1]
local function jobkey(id) return P .. 'job:' .. id end
local function now() local t = redis.call('TIME'); return tonumber(t[1]) + tonumber(t[2]) / 1e6 end
local function move(id, from, to)
  local created = redis.call('HGET', jobkey(id), 'created')
  redis.call('ZREM', P .. 'status:' .. from, id)
  redis.call('ZADD', P .. 'status:' .. to, created, id)
  redis.call('HSET', jobkey(id), 'status', to)
end
local function owns(key, owner)
  return owner == '' or redis.call('HGET', key, 'lease_owner') == owner
end
"""

_ADD = _LIB + """
local id, created, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
if limit >= 0 and redis.call('ZCARD', P .. 'status:queued') >= limit then return -1 end
if redis.call('EXISTS', jobkey(id)) == 1 then return -2 end
redis.call('HSET', jobkey(id), 'status', 'queued', unpack(ARGV, 5))
redis.call('ZADD', P .. 'jobs', created, id)
redis.call('ZADD', P .. 'status:queued', created, id)
return 1
"""

# ARGV: prefix, id, owner, device, lease seconds, max attempts, reason, started. Returns {outcome, attempts}.
_START = _LIB + """
local id, owner, device, lease, max_attempts = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local key = jobkey(id)
local status = redis.call('HGET', key, 'status')
if not status then return {'gone', 0} end
local attempts = tonumber(redis.call('HGET', key, 'attempts') or '0')
local t = now()
if status == 'running' then
  if tonumber(redis.call('HGET', key, 'lease_until') or '0') > t then return {'busy', attempts} end
  if attempts >= max_attempts then
    move(id, 'running', 'failed')
    redis.call('HSET', key, 'error', ARGV[7], 'finished', ARGV[8])
    redis.call('HDEL', key, 'lease_owner', 'lease_until')
    return {'failed', attempts}
  end
  redis.call('ZREM', P .. 'status:running', id)
  status = 'queued'
end
if status ~= 'queued' then return {status, attempts} end
move(id, 'queued', 'running')
redis.call('HSET', key, 'attempts', attempts + 1, 'started', ARGV[8], 'device', device, 'step', 0,
           'lease_owner', owner, 'lease_until', t + lease)
redis.call('HDEL', key, 'error')
return {'ok', attempts + 1}
"""

_RENEW = _LIB + """
local key = jobkey(ARGV[2])
if redis.call('HGET', key, 'status') ~= 'running' or not owns(key, ARGV[3]) then return 0 end
redis.call('HSET', key, 'lease_until', now() + tonumber(ARGV[4]))
return 1
"""

_PROGRESS = _LIB + """
local key = jobkey(ARGV[2])
if redis.call('HGET', key, 'status') ~= 'running' or not owns(key, ARGV[3]) then return 0 end
redis.call('HSET', key, 'step', ARGV[4], 'total_steps', ARGV[5], 'costs', ARGV[6], 'stage', ARGV[8])
redis.call('HINCRBY', key, 'preview_version', tonumber(ARGV[7]))
return 1
"""

# ARGV: prefix, id, owner, status, finished, error ('' for none), seconds ('' for none).
_FINISH = _LIB + """
local id, key = ARGV[2], jobkey(ARGV[2])
if redis.call('HGET', key, 'status') ~= 'running' or not owns(key, ARGV[3]) then return 0 end
move(id, 'running', ARGV[4])
redis.call('HSET', key, 'finished', ARGV[5])
redis.call('HDEL', key, 'lease_owner', 'lease_until', 'error', 'seconds')
if ARGV[6] ~= '' then redis.call('HSET', key, 'error', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', key, 'seconds', ARGV[7]) end
if ARGV[4] == 'done' then redis.call('HINCRBY', key, 'preview_version', 1) end
return 1
"""

_CANCEL = _LIB + """
local id, key = ARGV[2], jobkey(ARGV[2])
local status = redis.call('HGET', key, 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
move(id, status, 'cancelled')
redis.call('HSET', key, 'finished', ARGV[3], 'error', ARGV[4])
redis.call('HDEL', key, 'lease_owner', 'lease_until')
return 1
"""

_REQUEUE = _LIB + """
local id, key = ARGV[2], jobkey(ARGV[2])
if redis.call('HGET', key, 'status') ~= 'running' or not owns(key, ARGV[3]) then return 0 end
move(id, 'running', 'queued')
redis.call('HSET', key, 'step', 0)
redis.call('HINCRBY', key, 'attempts', -1)
redis.call('HDEL', key, 'started', 'device', 'lease_owner', 'lease_until')
return 1
"""

_DELETE = _LIB + """
local id = ARGV[2]
local status = redis.call('HGET', jobkey(id), 'status')
if not status then return 0 end
redis.call('ZREM', P .. 'status:' .. status, id)
redis.call('ZREM', P .. 'jobs', id)
redis.call('DEL', jobkey(id))
return 1
"""

# ARGV: prefix, max attempts, reason, finished. Running jobs whose lease has run out.
_RECOVER = _LIB + """
local t, again, failed = now(), {}, {}
for _, id in ipairs(redis.call('ZRANGE', P .. 'status:running', 0, -1)) do
  local key = jobkey(id)
  if tonumber(redis.call('HGET', key, 'lease_until') or '0') <= t then
    redis.call('HDEL', key, 'lease_owner', 'lease_until')
    if tonumber(redis.call('HGET', key, 'attempts') or '0') >= tonumber(ARGV[2]) then
      move(id, 'running', 'failed')
      redis.call('HSET', key, 'error', ARGV[3], 'finished', ARGV[4])
      table.insert(failed, id)
    else
      move(id, 'running', 'queued')
      redis.call('HSET', key, 'step', 0)
      redis.call('HDEL', key, 'started', 'device')
      table.insert(again, id)
    end
  end
end
return {again, failed}
"""


def redis_client(url: str, *, decode: bool = True) -> redis.Redis:
    """A client for ``url``; Celery's ``redis+socket://`` form of a unix socket is accepted too."""
    if url.startswith("redis+socket://"):
        url = "unix://" + url[len("redis+socket://") :]
    return redis.Redis.from_url(url, decode_responses=decode, health_check_interval=30)


class RedisJobStore:
    """Jobs in Redis (the :class:`~facestyle.web.jobs.JobStore` of cluster mode). Safe from any thread or host.

    ``lease_seconds`` is how long a claimed job stays its painter's without a renewal.
    """

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX, lease_seconds: float = 30.0):
        self.url = url
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.redis = redis_client(url)
        self._scripts = {
            name: self.redis.register_script(source)
            for name, source in (
                ("add", _ADD), ("start", _START), ("renew", _RENEW), ("progress", _PROGRESS), ("finish", _FINISH),
                ("cancel", _CANCEL), ("requeue", _REQUEUE), ("delete", _DELETE), ("recover", _RECOVER),
            )
        }

    def close(self) -> None:
        self.redis.close()

    def _run(self, script: str, *args: Any) -> Any:
        return self._scripts[script](args=[self.prefix, *args])

    # -- creating and reading

    def add(
        self,
        job_id: str,
        *,
        quality: str,
        options: dict[str, Any],
        style_id: str | None,
        limit: int | None = None,
        now: float | None = None,
    ) -> Job:
        created = time.time() if now is None else now
        fields = ["created", repr(created), "quality", quality, "options", json.dumps(options),
                  "attempts", 0, "step", 0, "total_steps", 0, "preview_version", 0, "costs", "{}"]
        if style_id is not None:
            fields += ["style_id", style_id]
        outcome = self._run("add", job_id, repr(created), -1 if limit is None else limit, *fields)
        if outcome == -1:
            raise QueueFull(limit)
        if outcome == -2:
            raise ValueError(f"job {job_id} exists already")
        job = self.get(job_id)
        assert job is not None  # just added; a delete in between would be a caller's bug
        return job

    def get(self, job_id: str) -> Job | None:
        data = self.redis.hgetall(self.prefix + "job:" + job_id)
        return _job(job_id, data) if data else None

    def count(self, status: str) -> int:
        return self.redis.zcard(self.prefix + "status:" + status)

    def queue_position(self, job: Job) -> int | None:
        if job.status != QUEUED:
            return None
        return self.redis.zrank(self.prefix + "status:" + QUEUED, job.id)

    def ids_created_before(self, cutoff: float) -> list[str]:
        return list(self.redis.zrangebyscore(self.prefix + "jobs", "-inf", f"({cutoff!r}"))

    def all_ids(self) -> set[str]:
        return set(self.redis.zrange(self.prefix + "jobs", 0, -1))

    def oldest_queued(self, count: int = 1) -> list[str]:
        return list(self.redis.zrange(self.prefix + "status:" + QUEUED, 0, count - 1))

    # -- transitions

    def start(self, job_id: str, *, owner: str, device: str, max_attempts: int) -> tuple[str, int]:
        """Take ``job_id`` for a run by ``owner`` under a fresh lease.

        Returns ``(outcome, attempt)``: ``ok`` (the run may paint; attempt counts from 1), ``busy``
        (another run holds a live lease), ``failed`` (its lease ran out ``max_attempts`` times),
        ``gone``, or the finished status it already has.
        """
        outcome, attempts = self._run(
            "start", job_id, owner, device, self.lease_seconds, max_attempts, crash_reason(max_attempts), repr(time.time())
        )
        return outcome, int(attempts)

    def claim_next(self, device: str) -> Job | None:
        for job_id in self.oldest_queued(4):
            if self.start(job_id, owner=device, device=device, max_attempts=1 << 30)[0] == "ok":
                return self.get(job_id)
        return None

    def renew(self, job_id: str, owner: str) -> bool:
        """Extend ``owner``'s lease; False when the run has lost it (cancelled, finished, taken over)."""
        return bool(self._run("renew", job_id, owner, self.lease_seconds))

    def record_progress(
        self,
        job_id: str,
        *,
        step: int,
        total_steps: int,
        costs: dict[str, float],
        new_preview: bool = False,
        stage: dict[str, Any] | None = None,
        owner: str = "",
    ) -> None:
        self._run("progress", job_id, owner, step, total_steps, json.dumps(costs), int(new_preview),
                  json.dumps(stage or {}))

    def finish(
        self, job_id: str, status: str, *, error: str | None = None, seconds: float | None = None, owner: str = ""
    ) -> bool:
        if status not in FINISHED:
            raise ValueError(f"not a finished status: {status}")
        seconds_text = "" if seconds is None else repr(seconds)
        return bool(self._run("finish", job_id, owner, status, repr(time.time()), error or "", seconds_text))

    def cancel(self, job_id: str) -> bool:
        return bool(self._run("cancel", job_id, repr(time.time()), "cancelled on request"))

    def requeue(self, job_id: str, *, owner: str = "") -> bool:
        return bool(self._run("requeue", job_id, owner))

    def delete(self, job_id: str) -> bool:
        return bool(self._run("delete", job_id))

    def recover(self, *, max_attempts: int) -> tuple[list[str], list[str]]:
        again, failed = self._run("recover", max_attempts, crash_reason(max_attempts), repr(time.time()))
        return list(again), list(failed)


_INTS = ("step", "total_steps", "attempts", "preview_version")
_FLOATS = ("created", "started", "finished", "seconds")


def _job(job_id: str, data: dict[str, str]) -> Job:
    values: dict[str, Any] = {
        "id": job_id,
        "status": data["status"],
        "quality": data["quality"],
        "options": json.loads(data["options"]),
        "costs": json.loads(data.get("costs") or "{}"),
        "stage": json.loads(data.get("stage") or "{}"),
        "style_id": data.get("style_id"),
        "error": data.get("error"),
        "device": data.get("device"),
    }
    values.update({name: int(data.get(name) or 0) for name in _INTS})
    values.update({name: float(data[name]) if data.get(name) else None for name in _FLOATS})
    return Job(**values)

