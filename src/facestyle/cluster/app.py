"""The Celery application both sides share: the web server sends to it, workers consume from it.

A message carries a job id and nothing else; the job and its images live in Redis (or a shared
folder). Workers take one message at a time (prefetch 1) and acknowledge it only after the job
has ended (``acks_late``), so a message of a worker that dies is delivered again. Celery's Redis
transport redelivers an unacknowledged message after ``visibility_timeout`` even when its worker
is alive and still painting; the job's lease (see :mod:`.redis_store`) makes that copy a no-op.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from facestyle.cluster.redis_store import DEFAULT_PREFIX

TASK_NAME = "facestyle.paint"
#: Seconds before Celery's Redis transport delivers an unacknowledged message again.
VISIBILITY_TIMEOUT = 3600.0


def queue_name(prefix: str = DEFAULT_PREFIX) -> str:
    return prefix + "paint"


def make_app(broker: str, *, prefix: str = DEFAULT_PREFIX, visibility_timeout: float = VISIBILITY_TIMEOUT) -> Celery:
    """A Celery app on ``broker`` (``redis://``, ``rediss://`` or ``redis+socket://``) with facestyle's task."""
    from facestyle.cluster.task import paint

    app = Celery("facestyle", broker=broker, set_as_current=False)
    restore_every = max(1, min(10, int(visibility_timeout / 4)))
    transport: dict[str, Any] = {
        "visibility_timeout": visibility_timeout,
        # Look for messages past their visibility timeout every few seconds rather than every 100 s.
        "unacked_restore_interval": restore_every,
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_default_queue=queue_name(prefix),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        # Health comes from the workers' own heartbeat keys; no broadcast control channel is needed.
        worker_enable_remote_control=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport,
    )
    app.task(name=TASK_NAME, ignore_result=True)(paint)
    return app
