"""What only the SQLite job store does: rows kept across a reopen; the shared contract is in
tests/cluster/test_store_contract.py (run against SQLite always, Redis when it is installed)."""

from __future__ import annotations

import pytest

from facestyle.web.files import new_job_id
from facestyle.web.store import SqliteJobStore


@pytest.fixture
def store(tmp_path):
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    yield store
    store.close()


def add(store, *, limit=None, now=None):
    job_id = new_job_id()
    store.add(job_id, quality="fast", options={"size": 32}, style_id="great-wave", limit=limit, now=now)
    return job_id


def test_finishing_a_cancelled_or_deleted_job_changes_nothing(store):
    job_id = add(store)
    store.claim_next("cpu")
    assert store.cancel(job_id)
    assert not store.finish(job_id, "done")
    assert store.get(job_id).status == "cancelled"
    assert not store.cancel(job_id)  # already finished
    assert store.delete(job_id) and not store.delete(job_id)
    assert not store.finish(job_id, "failed", error="x")
    with pytest.raises(ValueError):
        store.finish(job_id, "queued")


def test_rows_survive_reopening_the_database(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    first = SqliteJobStore(path)
    job_id = add(first)
    first.close()
    second = SqliteJobStore(path)
    assert second.get(job_id).status == "queued"
    assert second.ids_created_before(float("inf")) == [job_id] and second.all_ids() == {job_id}
    second.close()
