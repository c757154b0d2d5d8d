"""Fetching: mirror copy, checksums, atomic writes, clear errors."""

from __future__ import annotations

import hashlib

import pytest

from pqstats._fetch import ChecksumError, DataUnavailableError, RemoteFile, fetch_file
from pqstats._settings import (
    MIRROR_ENV,
)


def _remote(name: str, content: bytes, url: str = "http://127.0.0.1:9/none") -> RemoteFile:
    return RemoteFile(name=name, subdir="perturbqa", url=url,
                      sha256=hashlib.sha256(content).hexdigest())


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "mirror"
    (root / "perturbqa").mkdir(parents=True)
    return root


def test_copies_from_mirror_and_verifies(mirror, tmp_path):
    content = b"pert,gene,label,split\nA,B,1,train\n"
    (mirror / "perturbqa" / "x.csv").write_bytes(content)
    path = fetch_file(_remote("x.csv", content), mirror=mirror, cache=tmp_path / "cache")
    assert path == tmp_path / "cache" / "perturbqa" / "x.csv"
    assert path.read_bytes() == content


def test_cached_file_is_reused_without_mirror(mirror, tmp_path):
    content = b"abc"
    (mirror / "perturbqa" / "x.csv").write_bytes(content)
    remote = _remote("x.csv", content)
    fetch_file(remote, mirror=mirror, cache=tmp_path / "cache")
    (mirror / "perturbqa" / "x.csv").unlink()
    assert fetch_file(remote, mirror=mirror, cache=tmp_path / "cache").read_bytes() == content


def test_missing_file_names_file_mirror_and_fix(mirror, tmp_path):
    with pytest.raises(DataUnavailableError, match=r"x\.csv is not in the mirror.*"
                       r"PQSTATS_MIRROR=.*Fix: put the file there"):
        fetch_file(_remote("x.csv", b"abc"), mirror=mirror, cache=tmp_path / "cache")


def test_checksum_mismatch_leaves_nothing_behind(mirror, tmp_path):
    (mirror / "perturbqa" / "x.csv").write_bytes(b"corrupt")
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=r"checksum mismatch for x\.csv.*expected sha256"):
        fetch_file(_remote("x.csv", b"the real bytes"), mirror=mirror, cache=cache)
    assert list((cache / "perturbqa").glob("*")) == []


def test_corrupt_cached_file_is_replaced(mirror, tmp_path):
    content = b"good"
    (mirror / "perturbqa" / "x.csv").write_bytes(content)
    cache = tmp_path / "cache"
    (cache / "perturbqa").mkdir(parents=True)
    (cache / "perturbqa" / "x.csv").write_bytes(b"bad")
    assert fetch_file(_remote("x.csv", content), mirror=mirror, cache=cache).read_bytes() == b"good"


def test_unreachable_upstream_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("PQSTATS_MIRROR", raising=False)
    with pytest.raises(DataUnavailableError, match=r"could not fetch x\.csv.*PQSTATS_MIRROR"):
        fetch_file(_remote("x.csv", b"abc"), cache=tmp_path / "cache")
    assert not (tmp_path / "cache" / "perturbqa" / "x.csv").exists()


def test_corrupt_cached_file_without_a_mirror_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    cache = tmp_path / "cache"
    (cache / "perturbqa").mkdir(parents=True)
    (cache / "perturbqa" / "x.csv").write_bytes(b"half a fi")
    remote = RemoteFile("x.csv", "perturbqa", "http://127.0.0.1:9/none",
                        hashlib.sha256(b"the real bytes").hexdigest())
    with pytest.raises(DataUnavailableError, match=r"the cached copy .*x\.csv is corrupt.*"
                                                   r"Fix: set PQSTATS_MIRROR.*replace .*x\.csv"):
        fetch_file(remote, cache=cache)
