"""Where cluster jobs keep their images: Redis or a shared folder, never the Celery message.

In Redis each job's images are the fields of one hash ``<prefix>blob:<id>`` that expires with
the retention period; a preview or result is written only while the hash exists, so it inherits
that expiry and a deleted job cannot be brought back by a late write. A shared folder
(``--blobs DIR``, e.g. NFS mounted on every box) uses the studio's own job folders instead.
"""

from __future__ import annotations

from pathlib import Path

from facestyle.cluster.redis_store import DEFAULT_PREFIX, redis_client
from facestyle.web.files import JobFiles, is_job_id

# Outputs are written only into a hash that still exists (the job has not been deleted or expired).
_WRITE_OUTPUT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

INPUTS = (JobFiles.CONTENT, JobFiles.STYLE)


def result_name(attempt: int) -> str:
    """The result of one run: a stale run of an earlier attempt cannot overwrite the winner's."""
    return f"result-{attempt}.png"


class RedisBlobs:
    """The job images in Redis, with the methods of :class:`~facestyle.web.files.JobFiles` the studio uses."""

    def __init__(self, url: str, *, retention_seconds: float, prefix: str = DEFAULT_PREFIX):
        self.redis = redis_client(url, decode=False)
        self.prefix = prefix
        self.retention_seconds = max(1, int(retention_seconds))
        self._write_output = self.redis.register_script(_WRITE_OUTPUT)

    def key(self, job_id: str) -> str:
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return f"{self.prefix}blob:{job_id}"

    def create(self, job_id: str) -> None:
        self.key(job_id)  # nothing to make; the hash appears with the first input

    def write_atomic(self, job_id: str, name: str, data: bytes) -> bool:
        """Store ``data``; False when an output's job has gone. One Redis command, so never half written."""
        key = self.key(job_id)
        if name in INPUTS:
            with self.redis.pipeline() as pipe:
                pipe.hset(key, name, data).expire(key, self.retention_seconds, nx=True).execute()
            return True
        return bool(self._write_output(keys=[key], args=[name, data]))

    def read(self, job_id: str, name: str) -> bytes | None:
        return self.redis.hget(self.key(job_id), name)

    def share(self, source_id: str, job_id: str, name: str) -> None:
        """Copy ``source_id``'s input into ``job_id``; FileNotFoundError when the source has gone."""
        data = self.read(source_id, name)
        if data is None:
            raise FileNotFoundError(f"{source_id}/{name}")
        self.write_atomic(job_id, name, data)

    def remove(self, job_id: str) -> None:
        self.redis.delete(self.key(job_id))

    def job_ids_on_disk(self) -> list[str]:
        return []  # the hashes expire by themselves: Redis leaves no orphans

    def close(self) -> None:
        self.redis.close()


def folder_blobs(folder: Path) -> JobFiles:
    """Job images in a folder every web server and worker mounts (the studio's job folder layout)."""
    return JobFiles(Path(folder).expanduser())


def open_blobs(url: str, folder: Path | None, *, retention_seconds: float, prefix: str = DEFAULT_PREFIX):
    """A shared folder when one is given, else Redis."""
    if folder is not None:
        return folder_blobs(folder)
    return RedisBlobs(url, retention_seconds=retention_seconds, prefix=prefix)
