"""A batch runner that sends the photos to the cluster's workers (``facestyle batch --broker``).

It keeps at most ``in_flight`` jobs queued or painting on the cluster, so a batch of thousands of
photos neither floods Redis with their images nor leaves workers idle, and yields each photo's
outcome as its job ends. The photo and the painting travel as blobs beside the job, the job's
message carries only its id (:mod:`facestyle.cluster.client`); the batch itself still writes every
output and the summary on this machine (:mod:`facestyle.batch.folder`).
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Iterator, Sequence

from PIL import Image

from facestyle.batch.plan import PhotoJob
from facestyle.batch.runner import Painted, StepCallback
from facestyle.cluster.client import ClusterClient, JobFailed
from facestyle.cluster.redis_store import DEFAULT_PREFIX
from facestyle.errors import FacestyleError, OptionError
from facestyle.events import Progress
from facestyle.web.jobs import DONE

#: Seconds between two looks at the jobs in flight; a job's own steps take longer than this.
POLL_SECONDS = 0.25


class ClusterRunner:
    """Paints a batch's photos on the cluster at ``broker``, ``in_flight`` jobs at a time."""

    def __init__(self, broker: str, *, in_flight: int = 8, blobs_dir: Path | None = None,
                 prefix: str = DEFAULT_PREFIX):
        if in_flight < 1:
            raise ValueError(f"in_flight must be 1 or more, not {in_flight}")
        self.broker = broker
        self.in_flight = in_flight
        self.blobs_dir = blobs_dir
        self.prefix = prefix

    def paint(self, jobs: Sequence[PhotoJob], on_step: StepCallback | None = None) -> Iterator[Painted]:
        client = ClusterClient(self.broker, blobs_dir=self.blobs_dir, prefix=self.prefix)
        waiting = list(jobs)
        running: dict[str, tuple[PhotoJob, float, int]] = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.in_flight:
                    job = waiting.pop(0)
                    submitted = _submit(client, job)
                    if isinstance(submitted, Painted):
                        yield submitted
                    else:
                        running[submitted] = (job, time.perf_counter(), -1)
                for job_id, (job, started, last_step) in list(running.items()):
                    record = client.get(job_id)
                    if record is None or record.is_finished:
                        del running[job_id]
                        yield _outcome(client, job_id, job, started)
                    elif on_step is not None and record.total_steps and record.step != last_step:
                        running[job_id] = (job, started, record.step)
                        on_step(job, _progress(record, started))
                if running:
                    time.sleep(POLL_SECONDS)
        finally:
            # Stopping early (Ctrl-C, a closed iterator) leaves no job painting for nobody.
            for job_id in running:
                client.delete(job_id)
            client.close()


def _submit(client: ClusterClient, job: PhotoJob) -> str | Painted:
    """The job id on the cluster, or the photo's failure when it cannot be sent."""
    if len(job.styles) != 1:
        raise OptionError("a batch on the cluster takes one painting; give one --style")
    try:
        # The worker picks its own device; every other setting travels with the job.
        settings = {name: value for name, value in job.settings.to_dict().items() if name != "device"}
        return client.submit(job.photo, job.styles[0], settings=settings, quality="batch")
    except FacestyleError as error:
        return Painted(job, 0.0, error=str(error))


def _outcome(client: ClusterClient, job_id: str, job: PhotoJob, started: float) -> Painted:
    record = client.get(job_id)
    try:
        if record is None or record.status != DONE:
            client.result(job_id)  # raises JobFailed with the job's status and reason
        image = Image.open(io.BytesIO(client.result(job_id)))
        image.load()
        return Painted(job, record.seconds or time.perf_counter() - started, image, dict(record.costs))
    except JobFailed as error:
        return Painted(job, time.perf_counter() - started, error=str(error))
    finally:
        client.delete(job_id)


def _progress(record, started: float) -> Progress:
    """The cluster job's step as the batch's bar reads it (no image: it stays on the worker)."""
    return Progress(step=record.step, total_steps=record.total_steps, costs=dict(record.costs),
                    elapsed=time.perf_counter() - started, size=(0, 0), evaluations=record.step,
                    _render=lambda: Image.new("RGB", (1, 1)))
