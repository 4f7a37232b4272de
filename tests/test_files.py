import os
from pathlib import Path

import pytest

from facestyle.errors import OutputError, did_you_mean
from facestyle.files import atomic_output, check_writable_folder, file_sha256


def test_file_sha256_matches_hashlib(tmp_path):
    import hashlib

    path = tmp_path / "blob.bin"
    data = os.urandom(3 << 20)  # several read blocks
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_check_writable_folder_names_the_folder_and_the_file(tmp_path):
    assert check_writable_folder(tmp_path, what="'x.png'") == tmp_path
    with pytest.raises(OutputError, match="does not exist; create it first") as error:
        check_writable_folder(tmp_path / "missing", what="'x.png'")
    assert "'x.png'" in str(error.value)


def test_did_you_mean_offers_the_closest_choice_or_the_fallback():
    assert did_you_mean("sise", ["size", "steps"]) == "did you mean 'size'?"
    assert did_you_mean("zzz", ["size", "steps"], otherwise="choose size or steps") == "choose size or steps"


def test_atomic_output_replaces_in_one_step_and_leaves_nothing_on_failure(tmp_path):
    out = tmp_path / "result.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(out) as temp_name:
            Path(temp_name).write_text("half")
            raise RuntimeError("disk full")
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["result.txt"]

    umask = os.umask(0o022)
    try:
        with atomic_output(out) as temp_name:
            Path(temp_name).write_text("new")
    finally:
        os.umask(umask)
    assert out.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["result.txt"]
    assert out.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
