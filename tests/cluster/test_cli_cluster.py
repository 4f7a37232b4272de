"""The cluster's command line and the embedded default staying free of cluster imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from facestyle.cli.entry import main
from facestyle.cores import threads_per_worker
from tests.cluster.workers import ROOT
from tests.redis_server import require_cluster_tools


def test_the_embedded_studio_imports_nothing_of_cluster_mode():
    code = (
        "import sys; import facestyle.web.app, facestyle.web.server, facestyle.cli.entry as e; "
        "e.build_parser().parse_args(['serve']); "
        "from facestyle.web.app import create_app; from facestyle.web.config import StudioConfig; "
        "import tempfile; create_app(StudioConfig(data_dir=tempfile.mkdtemp(), devices=('cpu',))); "
        "bad = [m for m in ('celery', 'kombu', 'redis', 'facestyle.cluster') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["worker"], "give the cluster's Redis URL with --broker or $FACESTYLE_BROKER"),
        (["worker", "--broker", "amqp://x"], "the broker must be a Redis URL"),
        (["worker", "--broker", "redis://127.0.0.1:1/0", "--device", "tpu"], "--device must be cpu, cuda:N"),
        (["worker", "--broker", "redis://127.0.0.1:1/0", "--processes", "0"], "--processes must be 1 or more"),
        (["worker", "--broker", "redis://127.0.0.1:1/0", "--lease-seconds", "0"], "must be more than 0"),
        (["serve", "--blobs", "/tmp"], "--blobs is for cluster mode"),
        (["serve", "--broker", "http://x"], "the broker must be a Redis URL"),
    ],
)
def test_bad_cluster_options_give_one_line_and_exit_2(argv, expected, capsys, monkeypatch):
    if argv != ["worker"]:
        require_cluster_tools()
    monkeypatch.delenv("FACESTYLE_BROKER", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("facestyle: error: ") and expected in err and err.count("\n") == 1


def test_passwords_are_hidden_in_messages():
    require_cluster_tools()
    from facestyle.cluster.client import redacted

    assert redacted("redis://:s3cret@box:6379/0") == "redis://:***@box:6379/0"
    assert redacted("rediss://user:s3cret@box:6380/1") == "rediss://user:***@box:6380/1"
    assert redacted("redis://box:6379/0") == "redis://box:6379/0"


def test_workers_on_one_machine_split_its_cores():
    assert threads_per_worker(1, cores=8) == 8
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(4, cores=2) == 1
    assert threads_per_worker(3, cores=16) == 5
    assert threads_per_worker(1) >= 1
    with pytest.raises(ValueError):
        threads_per_worker(0, cores=4)
