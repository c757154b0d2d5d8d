"""Faults, not only inputs: a screen import killed (SIGTERM, SIGKILL) at several points, an
``--overwrite`` killed likewise, and two imports at once, in real subprocesses.

After every kill the registry holds the old screen or the new one, whole (its tables match
the checksums of its manifest), and the next command that writes there sweeps what the
killed one left, and says so. Each subprocess resolves names against the real knowledge
graph, so the module is an integration test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pqstats.screens import get_screen, load_de
from pqstats.screens.imports import ScreenImportError, import_screen
from tests._helpers import linked_data_dir

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]

#: A child process importing a screen, paused (then killed by the test) at one point:
#: ``labelled`` (labels checked, nothing written yet), ``tables`` (de.csv written in the
#: temporary folder), ``before_swap`` (the new folder complete, manifest included) and
#: ``after_swap`` (the exchange done, the old folder not yet deleted).
CHILD = textwrap.dedent('''
    import sys, time
    import pandas as pd
    import pqstats.screens._folders as folders
    import pqstats.screens.imports as imports

    point, name, path, data, cell_line, overwrite, study = sys.argv[1:8]

    def pause(at):
        if at == point:
            print("AT", at, flush=True)
            time.sleep(120)

    check_labels, to_csv, swap_in, exchange = (imports._check_labels, pd.DataFrame.to_csv,
                                               folders.swap_in, folders._exchange)

    def labelled(*args, **kwargs):
        check_labels(*args, **kwargs)
        pause("labelled")

    def written(self, where, *args, **kwargs):
        out = to_csv(self, where, *args, **kwargs)
        if str(where).endswith("de.csv"):
            pause("tables")
        return out

    def swapping(new, target):
        pause("before_swap")
        swap_in(new, target)

    def exchanged(a, b):
        done = exchange(a, b)
        pause("after_swap")
        return done

    imports._check_labels, pd.DataFrame.to_csv = labelled, written
    folders.swap_in, folders._exchange = swapping, exchanged
    imports.import_screen(name, path, cell_line=cell_line, data_dir=data,
                          overwrite=overwrite == "1", study=study or None,
                          split_seed=7 if overwrite == "1" else 0)
    print("DONE", flush=True)
''')

PERTS = ["TP53", "AAMP", "MED12", "BRCA1", "KRAS", "EGFR", "PTEN", "ATM", "CDK2", "MYC"]
GENES = ["ACTB", "GAPDH", "NPM1", "EEF2", "RPL3", "RPS6"]


def _pairs(path: Path, shift: int = 0) -> Path:
    rows = [(p, g, int((i + k + shift) % 3 == 0)) for i, p in enumerate(PERTS)
            for k, g in enumerate(GENES)]
    pd.DataFrame(rows, columns=["pert", "gene", "label"]).to_csv(path, index=False)
    return path


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A data folder of its own, the child script, and one input file."""
    data = linked_data_dir(tmp_path / "data")
    monkeypatch.setenv("PQSTATS_DATA", str(data))
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return {"data": data, "script": script, "input": _pairs(tmp_path / "pairs.csv"),
            "tmp": tmp_path}


def _start(lab, point, name, cell_line, overwrite=False, study=""):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PQSTATS_DATA": str(lab["data"])}
    return subprocess.Popen(
        [sys.executable, str(lab["script"]), point, name, str(lab["input"]), str(lab["data"]),
         cell_line, "1" if overwrite else "0", study],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _kill_at(proc, point, sig):
    line = proc.stdout.readline()
    assert line.strip() == f"AT {point}", (line, proc.stderr.read() if proc.poll() else "")
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode == -sig


def _leftovers(lab) -> list[str]:
    return sorted(p.name for p in (lab["data"] / "screens").iterdir() if p.name.startswith("."))


def _whole(name: str) -> str:
    """The screen's cell line, after checking that its tables are those of its manifest."""
    screen = get_screen(name)
    assert len(load_de(name)) == 60 and screen.file("dir") is None
    return screen.cell_line


def _next_write_sweeps(lab, had_leftovers: bool) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import_screen("other_lab", _pairs(lab["tmp"] / "other.csv", shift=1), cell_line="X",
                      data_dir=lab["data"], study="lab_study")
    swept = [w for w in caught if "leftovers of interrupted screen writes" in str(w.message)]
    assert bool(swept) == had_leftovers, [str(w.message) for w in caught]
    assert _leftovers(lab) == []


POINTS = ["labelled", "tables", "before_swap", "after_swap"]
SIGNALS = [signal.SIGTERM, signal.SIGKILL]


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("point", POINTS)
def test_overwrite_killed_leaves_the_old_screen_or_the_new(lab, point, sig):
    import_screen("lab_screen", _pairs(lab["tmp"] / "old.csv"), cell_line="OLD",
                  data_dir=lab["data"], study="lab_study")
    proc = _start(lab, point, "lab_screen", "NEW", overwrite=True, study="lab_study")
    _kill_at(proc, point, sig)
    # before the swap the old screen stands; after it, the new one: never neither
    assert _whole("lab_screen") == ("NEW" if point == "after_swap" else "OLD")
    left = _leftovers(lab)
    assert bool(left) == (point in ("tables", "before_swap", "after_swap")), left
    _next_write_sweeps(lab, bool(left))
    assert _whole("lab_screen") == ("NEW" if point == "after_swap" else "OLD")


@pytest.mark.parametrize("point", ["tables", "before_swap"])
def test_a_first_import_killed_leaves_no_screen_and_is_swept(lab, point):
    proc = _start(lab, point, "lab_screen", "NEW", study="lab_study")
    _kill_at(proc, point, signal.SIGKILL)
    assert not (lab["data"] / "screens" / "lab_screen").exists()
    with pytest.raises(ValueError, match="unknown screen 'lab_screen'"):
        get_screen("lab_screen")
    _next_write_sweeps(lab, True)


def test_a_swap_cut_between_two_renames_is_repaired_by_the_next_write(lab):
    """Where the file system cannot exchange two folders, the swap is two renames; a kill
    between them leaves the old screen in a hidden folder, and the next write puts it back."""
    old = import_screen("lab_screen", lab["input"], cell_line="OLD", data_dir=lab["data"],
                        study="lab_study")
    new = lab["data"] / "screens" / ".lab_screen.tmp-abc123"
    new.mkdir()
    (new / "de.csv").write_text("half")
    kept = lab["data"] / "screens" / ".lab_screen.old-abc123"
    kept.mkdir()
    os.replace(old.path, kept / "lab_screen")
    _next_write_sweeps(lab, True)
    assert _whole("lab_screen") == "OLD"


def test_two_imports_at_once(lab):
    """Two names at once: both land. The same data under two names at once: one lands, the
    other is refused as a repeat. The same name twice at once: one lands, one is refused."""
    runs = [_start(lab, "none", name, "X") for name in ("lab_one", "lab_two")]
    outs = [p.communicate(timeout=600) for p in runs]
    done = sorted(p.returncode for p in runs)
    assert done == [0, 1], outs  # lab_two repeats lab_one's input file, or the other way
    refused = next(err for (out, err), p in zip(outs, runs, strict=True) if p.returncode)
    assert "holds the data of screen" in refused and "--study" in refused
    landed = [n for n in ("lab_one", "lab_two") if (lab["data"] / "screens" / n).exists()]
    assert len(landed) == 1 and _whole(landed[0]) == "X"

    runs = [_start(lab, "none", "lab_same", cell, study=get_screen(landed[0]).study)
            for cell in ("A", "B")]
    outs = [p.communicate(timeout=600) for p in runs]
    assert sorted(p.returncode for p in runs) == [0, 1], outs
    refused = next(err for (out, err), p in zip(outs, runs, strict=True) if p.returncode)
    assert "already exists" in refused or "appeared" in refused
    assert _whole("lab_same") in ("A", "B") and _leftovers(lab) == []
    with pytest.raises(ScreenImportError, match="already exists"):
        import_screen("lab_same", lab["input"], cell_line="C", data_dir=lab["data"])
