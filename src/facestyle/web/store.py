"""The embedded studio's job queue, persisted in SQLite so a restart loses no finished result and no waiting job.

A job moves ``queued → running → done | failed | cancelled`` (or ``queued → cancelled``). Every
transition is one UPDATE guarded by the state it leaves, so a worker finishing a job that was
cancelled meanwhile changes nothing. One connection is shared by the HTTP threads and the
workers behind a lock; every statement is short.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from facestyle.web.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    Job,
    QueueFull,
)

__all__ = ["CANCELLED", "DONE", "FAILED", "FINISHED", "QUEUED", "RUNNING", "Job", "QueueFull", "SqliteJobStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    quality TEXT NOT NULL,
    options TEXT NOT NULL,            -- JSON: the Settings overrides the job runs with
    style_id TEXT,                    -- gallery slug, or NULL when the style was uploaded
    step INTEGER NOT NULL DEFAULT 0,
    total_steps INTEGER NOT NULL DEFAULT 0,
    costs TEXT NOT NULL DEFAULT '{}', -- JSON: the costs of the last step
    stage TEXT NOT NULL DEFAULT '{}', -- JSON: the scale being painted and the time left (jobs.stage_of)
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    device TEXT,
    seconds REAL,
    preview_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created);
"""


class SqliteJobStore:
    """SQLite-backed job rows (the :class:`~facestyle.web.jobs.JobStore` of the embedded studio). Thread-safe."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            # WAL keeps readers from blocking the workers' progress writes; NORMAL sync is safe with WAL.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
            if "stage" not in columns:  # a queue written before jobs reported their stage
                self._db.execute("ALTER TABLE jobs ADD COLUMN stage TEXT NOT NULL DEFAULT '{}'")

    def close(self) -> None:
        with self._lock:
            self._db.close()

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
        """Insert a queued job, unless ``limit`` jobs are already waiting.

        Raises:
            QueueFull: the queue already holds ``limit`` waiting jobs.
        """
        created = time.time() if now is None else now
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                waiting = self._db.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (QUEUED,)).fetchone()[0]
                if limit is not None and waiting >= limit:
                    raise QueueFull(waiting)
                self._db.execute(
                    "INSERT INTO jobs (id, status, created, quality, options, style_id) VALUES (?, ?, ?, ?, ?, ?)",
                    (job_id, QUEUED, created, quality, json.dumps(options), style_id),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        job = self.get(job_id)
        assert job is not None  # just inserted under the lock
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def count(self, status: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (status,)).fetchone()[0]

    def queue_position(self, job: Job) -> int | None:
        """How many waiting jobs are ahead of ``job`` (0: it is next), or None when it is not waiting."""
        if job.status != QUEUED:
            return None
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = ? AND (created < ? OR (created = ? AND id < ?))",
                (QUEUED, job.created, job.created, job.id),
            ).fetchone()[0]

    def ids_created_before(self, cutoff: float) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM jobs WHERE created < ?", (cutoff,)).fetchall()
        return [row[0] for row in rows]

    def all_ids(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM jobs").fetchall()}

    # -- transitions

    def claim_next(self, device: str) -> Job | None:
        """Mark the oldest waiting job running on ``device`` and return it, or None if none waits."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT id FROM jobs WHERE status = ? ORDER BY created, id LIMIT 1", (QUEUED,)
                ).fetchone()
                if row is not None:
                    self._db.execute(
                        "UPDATE jobs SET status = ?, started = ?, device = ?, attempts = attempts + 1, "
                        "step = 0, error = NULL WHERE id = ?",
                        (RUNNING, time.time(), device, row[0]),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return self.get(row[0]) if row is not None else None

    def record_progress(
        self,
        job_id: str,
        *,
        step: int,
        total_steps: int,
        costs: dict[str, float],
        new_preview: bool = False,
        stage: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET step = ?, total_steps = ?, costs = ?, stage = ?, "
                "preview_version = preview_version + ? WHERE id = ? AND status = ?",
                (step, total_steps, json.dumps(costs), json.dumps(stage or {}), int(new_preview), job_id, RUNNING),
            )

    def finish(self, job_id: str, status: str, *, error: str | None = None, seconds: float | None = None) -> bool:
        """Move a running job to ``done``/``failed``/``cancelled``.

        Returns False when the job is no longer running (it was cancelled or deleted meanwhile).
        """
        if status not in FINISHED:
            raise ValueError(f"not a finished status: {status}")
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET status = ?, finished = ?, error = ?, seconds = ?, "
                "preview_version = preview_version + ? WHERE id = ? AND status = ?",
                (status, time.time(), error, seconds, int(status == DONE), job_id, RUNNING),
            )
            return cursor.rowcount == 1

    def cancel(self, job_id: str) -> bool:
        """Cancel a waiting or running job. Returns False if it had already finished (or is gone)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET status = ?, finished = ?, error = ? WHERE id = ? AND status IN (?, ?)",
                (CANCELLED, time.time(), "cancelled on request", job_id, QUEUED, RUNNING),
            )
            return cursor.rowcount == 1

    def requeue(self, job_id: str) -> bool:
        """Put a running job back in the queue because the server is stopping (the try does not count)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET status = ?, started = NULL, device = NULL, step = 0, attempts = attempts - 1 "
                "WHERE id = ? AND status = ?",
                (QUEUED, job_id, RUNNING),
            )
            return cursor.rowcount == 1

    def delete(self, job_id: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount == 1

    def recover(self, *, max_attempts: int) -> tuple[list[str], list[str]]:
        """After a crash or kill, deal with jobs left ``running``: queue them again or fail them.

        A job that has already been started ``max_attempts`` times is failed with a reason, so
        one job that crashes the server cannot do it forever.

        Returns:
            (ids queued again, ids failed).
        """
        with self._lock:
            rows = self._db.execute("SELECT id, attempts FROM jobs WHERE status = ?", (RUNNING,)).fetchall()
            again = [row["id"] for row in rows if row["attempts"] < max_attempts]
            failed = [row["id"] for row in rows if row["attempts"] >= max_attempts]
            for job_id in again:
                self._db.execute(
                    "UPDATE jobs SET status = ?, started = NULL, device = NULL, step = 0 WHERE id = ?",
                    (QUEUED, job_id),
                )
            for job_id in failed:
                self._db.execute(
                    "UPDATE jobs SET status = ?, finished = ?, error = ? WHERE id = ?",
                    (
                        FAILED,
                        time.time(),
                        f"the studio stopped {max_attempts} times while painting this; "
                        "start it again, perhaps at a smaller size or the fast quality",
                        job_id,
                    ),
                )
        return again, failed


def _job(row: sqlite3.Row) -> Job:
    data = dict(row)
    data["options"] = json.loads(data["options"])
    data["costs"] = json.loads(data["costs"] or "{}")
    data["stage"] = json.loads(data["stage"] or "{}")
    return Job(**data)
