"""facestyle batch --broker: a folder painted by real workers on a real Redis, resumable like in-process."""

from __future__ import annotations

import csv
import shutil

import pytest

from tests.redis_server import require_cluster_tools

require_cluster_tools(module=True)

from facestyle.batch import ALREADY_DONE, DONE, NOT_RUN, paint_folder
from facestyle.cluster.batch import ClusterRunner
from facestyle.cluster.client import ClusterClient
from tests.cli.conftest import run_cli
from tests.cluster.workers import TINY, WorkerProcess, wait_registered
from tests.web.conftest import DATA


@pytest.fixture
def workers(redis_url, prefix, tmp_path):
    client = ClusterClient(redis_url, prefix=prefix)
    started = [WorkerProcess(redis_url, prefix, tmp_path) for _ in range(2)]
    wait_registered(client, started)
    yield started
    for worker in started:
        worker.stop()
    client.close()


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("anna.png", "ben.png", "cleo.png"):
        shutil.copy(DATA / "face_small.png", folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a whole jpeg")
    return folder


def rows(summary):
    with open(summary, newline="") as file:
        return {row["photo"]: row for row in csv.DictReader(file)}


def test_cluster_batch_paints_every_photo_once_and_a_rerun_keeps_them(workers, redis_url, prefix, photos, tmp_path):
    out = tmp_path / "out"
    runner = ClusterRunner(redis_url, prefix=prefix, in_flight=2)
    report = paint_folder(photos, DATA / "style_small.png", out, runner=runner, **TINY)
    table = rows(report.summary)
    assert {name: row["status"] for name, row in table.items()} == {
        "anna.png": "done", "ben.png": "done", "cleo.png": "done", "broken.jpg": "failed"}
    assert "broken.jpg" in table["broken.jpg"]["error"]
    assert sorted(p.name for p in out.glob("*.png")) == ["anna.png", "ben.png", "cleo.png"]
    again = paint_folder(photos, DATA / "style_small.png", out, runner=runner, **TINY)
    assert [row.status for row in again.rows if row.photo != "broken.jpg"] == ["already done"] * 3
    # Each job is deleted from the cluster once its portrait is on this machine.
    client = ClusterClient(redis_url, prefix=prefix)
    assert client.store.all_ids() == set()
    client.close()


def test_an_interrupted_cluster_batch_leaves_no_job_behind_and_resumes(workers, redis_url, prefix, photos, tmp_path):
    (photos / "broken.jpg").unlink()
    out = tmp_path / "out"
    style = DATA / "style_small.png"
    finished = []

    def stop_after_the_first_portrait(update):
        if update.row is not None and update.row.status == DONE:
            finished.append(update.row.photo)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        paint_folder(photos, style, out, runner=ClusterRunner(redis_url, prefix=prefix, in_flight=2),
                     progress=stop_after_the_first_portrait, **TINY)
    assert len(finished) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([finished[0], "summary.csv"])  # no part-written file
    assert sum(row["status"] == NOT_RUN for row in rows(out / "summary.csv").values()) == 2
    client = ClusterClient(redis_url, prefix=prefix)
    try:
        # The job that was painting when the batch stopped is cancelled and deleted, not left to paint for nobody.
        assert client.store.all_ids() == set()
        resumed = paint_folder(photos, style, out, runner=ClusterRunner(redis_url, prefix=prefix, in_flight=2), **TINY)
        assert {row.photo: row.status for row in resumed.rows} == {
            name: ALREADY_DONE if name == finished[0] else DONE for name in ("anna.png", "ben.png", "cleo.png")}
        assert sorted(p.name for p in out.glob("*.png")) == ["anna.png", "ben.png", "cleo.png"]
        assert client.store.all_ids() == set()
    finally:
        client.close()


def test_cli_batch_with_broker(workers, redis_url, prefix, photos, tmp_path, capsys):
    (photos / "broken.jpg").unlink()
    out = tmp_path / "out"
    code, _, err = run_cli(["batch", str(photos), "--style", str(DATA / "style_small.png"), "-o", str(out),
                            "--broker", redis_url, "--key-prefix", prefix, "--size", "64", "--steps", "8"], capsys)
    assert code == 0, err
    assert "3 painted" in err and "photos" in err  # the summary and the bar


def test_cli_batch_broker_takes_one_painting(redis_url, photos, tmp_path, capsys):
    style = str(DATA / "style_small.png")
    code, _, err = run_cli(["batch", str(photos), "--style", style, "--style", style, "-o", str(tmp_path / "o"),
                            "--broker", redis_url], capsys)
    assert code == 2 and "one painting" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()
