"""The PQSTATS_* folder settings: a bad folder is named with the variable to fix."""

from __future__ import annotations

import pytest

from pqstats import cli
from pqstats._settings import (
    DATA_ENV,
    KNOWLEDGE_DIR_ENV,
    MIRROR_ENV,
    SettingError,
    data_dir,
    mirror_dir,
)
from tests._helpers import error_lines


@pytest.mark.parametrize(("env", "kind", "reader", "message"), [
    (DATA_ENV, "file", data_dir, r"PQSTATS_DATA=.*afile is a file, not a folder"),
    (MIRROR_ENV, "file", mirror_dir, r"PQSTATS_MIRROR=.*afile is a file, not a folder"),
    (MIRROR_ENV, "missing", mirror_dir, r"PQSTATS_MIRROR=.*nowhere does not exist"),
    (KNOWLEDGE_DIR_ENV, "file", "bundle", r"PQSTATS_KNOWLEDGE_DIR=.*afile is a file"),
    (KNOWLEDGE_DIR_ENV, "missing", "bundle", r"PQSTATS_KNOWLEDGE_DIR=.*nowhere does not"),
])
def test_folder_settings_are_checked(tmp_path, monkeypatch, env, kind, reader, message):
    from pqstats.knowledge.graph import default_bundle_dir

    path = tmp_path / ("afile" if kind == "file" else "nowhere")
    if kind == "file":
        path.write_text("not a folder")
    monkeypatch.setenv(env, str(path))
    read = default_bundle_dir if reader == "bundle" else reader
    with pytest.raises(SettingError, match=message + r".*Fix: "):
        read()


def test_folder_settings_unset_or_blank(tmp_path, monkeypatch):
    from pqstats.knowledge.graph import default_bundle_dir

    for env in (MIRROR_ENV, KNOWLEDGE_DIR_ENV):
        monkeypatch.setenv(env, "  ")
    assert mirror_dir() is None and default_bundle_dir() is None
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "new"))  # a missing cache is created later
    assert data_dir() == tmp_path / "new"


@pytest.mark.parametrize(("env", "kind", "message"), [
    (DATA_ENV, "file", "PQSTATS_DATA={path} is a file, not a folder"),
    (MIRROR_ENV, "missing", "PQSTATS_MIRROR={path} does not exist"),
    (MIRROR_ENV, "file", "PQSTATS_MIRROR={path} is a file, not a folder"),
    (KNOWLEDGE_DIR_ENV, "missing", "PQSTATS_KNOWLEDGE_DIR={path} does not exist"),
])
def test_cli_names_a_bad_folder_setting(tmp_path, monkeypatch, capsys, env, kind, message):
    path = tmp_path / ("afile" if kind == "file" else "nowhere")
    if kind == "file":
        path.write_text("x")
    monkeypatch.setenv(env, str(path))
    assert cli.main(["kg", "text", "MYC"]) == 2
    err = error_lines(capsys)
    assert err[-2].startswith("pqstats kg text: error: " + message.format(path=path))
    assert err[-1] == "hint: fix or unset the named PQSTATS_* environment variable"
