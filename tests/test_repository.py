"""Properties of what is committed: no file names a path of the machine it was made on."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: An absolute path into a home, a work area or a temporary folder: such a path says where a
#: file was made and means nothing on another machine.
MACHINE_PATH = re.compile(
    r"(?<![A-Za-z0-9_.:~/])/(?:home|root|Users|work|tmp|mnt|srv|var/folders)/[A-Za-z0-9_.-]")


def tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("the repository's files are listed with git; run the tests in a checkout")
    paths = [REPO / name for name in out.decode().split("\0") if name]
    return [p for p in paths if p.is_file() and b"\0" not in p.read_bytes()[:8192]]


def test_the_path_pattern_finds_machine_paths_and_nothing_else():
    assert MACHINE_PATH.search("looked for /work/shared/perturbqa/jurkat-de.csv")
    assert MACHINE_PATH.search("cache in /home/ada/.cache") and MACHINE_PATH.search("/tmp/x")
    for fine in ("../shared/perturbqa", "https://example.org/work/x", "data/cache/models",
                 "~/models/a.gguf", "k562/rpe1"):
        assert not MACHINE_PATH.search(fine), fine


def test_no_committed_file_names_a_path_of_this_machine():
    here = str(REPO.parent)
    found = []
    for path in tracked_text_files():
        if path == Path(__file__).resolve():
            continue  # this file names such paths as examples
        text = path.read_text(errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line) or (len(here) > 1 and here in line):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()[:120]}")
    assert not found, "absolute paths in committed files:\n" + "\n".join(found[:20])
