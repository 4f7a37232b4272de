"""Job ids are unguessable, and nothing but a job id ever becomes part of a path."""

from __future__ import annotations

import pytest

from facestyle.web.files import JobFiles, is_job_id, new_job_id


def test_ids_are_22_url_safe_characters_and_differ():
    ids = {new_job_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(is_job_id(job_id) for job_id in ids)


@pytest.mark.parametrize("bad", ["", "..", "../../etc/passwd", "a" * 21, "a" * 23, "a/" * 11, "aaaaaaaaaaaaaaaaaaaa\n1", "é" * 22])
def test_anything_else_is_refused_before_a_path_is_built(tmp_path, bad):
    files = JobFiles(tmp_path / "jobs")
    assert not is_job_id(bad)
    with pytest.raises(ValueError):
        files.folder(bad)


def test_folders_are_private_and_writes_are_atomic(tmp_path):
    files = JobFiles(tmp_path / "jobs")
    job_id = new_job_id()
    folder = files.create(job_id)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert files.write_atomic(job_id, "preview.jpg", b"abc")
    assert (folder / "preview.jpg").read_bytes() == b"abc"
    assert [p.name for p in folder.iterdir()] == ["preview.jpg"]  # no temp file left
    assert files.job_ids_on_disk() == [job_id]
    files.remove(job_id)
    assert not folder.exists()
    assert not files.write_atomic(job_id, "preview.jpg", b"abc")  # the job was deleted meanwhile


@pytest.mark.parametrize("links", [True, False], ids=["hard link", "copy"])
def test_a_shared_input_outlives_the_job_it_came_from(tmp_path, monkeypatch, links):
    files = JobFiles(tmp_path / "jobs")
    first, second = new_job_id(), new_job_id()
    for job_id in (first, second):
        files.create(job_id)
    files.write_atomic(first, JobFiles.CONTENT, b"photo")
    if not links:  # a file system without hard links: the file is copied instead
        def refuse(*args, **kwargs):
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr("facestyle.web.files.os.link", refuse)
    files.share(first, second, JobFiles.CONTENT)
    shared = files.path(second, JobFiles.CONTENT)
    assert (shared.stat().st_nlink == 2) is links
    files.remove(first)
    assert shared.read_bytes() == b"photo"
    with pytest.raises(FileNotFoundError):
        files.share(first, second, JobFiles.STYLE)  # the source has gone
