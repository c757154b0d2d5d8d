"""Settings and paths fail early and clearly: unknown PQSTATS_* variables, a mirror that is
a file, data folders that cannot be written, a model cache that cannot be written."""

from __future__ import annotations

import pytest

from pqstats._settings import (
    KNOWN_VARIABLES,
    SettingError,
    check_environment,
    data_dir,
    knowledge_dir,
    mirror_dir,
    name_list,
)

MISSPELT = {
    # variable: the suggestion
    "PQSTATS_EXCLUDE_SOURCE": "PQSTATS_EXCLUDE_SOURCES",
    "PQSTATS_EXCLUDED_SOURCES": "PQSTATS_EXCLUDE_SOURCES",
    "PQSTATS_MIROR": "PQSTATS_MIRROR",
    "PQSTATS_DATA_DIR": "PQSTATS_DATA",
    "PQSTATS_DAT": "PQSTATS_DATA",
    "PQSTATS_KNOWLEDGE": "PQSTATS_KNOWLEDGE_DIR",
    "PQSTATS_KNOWLEDGEDIR": "PQSTATS_KNOWLEDGE_DIR",
    "pqstats_data": "PQSTATS_DATA",
    "PQSTATS_EXCLUDE": "PQSTATS_EXCLUDE_SOURCES",
}


@pytest.mark.parametrize("variable", list(MISSPELT))
@pytest.mark.parametrize("reader", [data_dir, mirror_dir, knowledge_dir,
                                    lambda: name_list("PQSTATS_EXCLUDE_SOURCES", ["corum"])])
def test_a_misspelt_variable_is_an_error_with_the_closest_name(variable, reader, monkeypatch):
    monkeypatch.setenv(variable, "corum")
    with pytest.raises(SettingError, match=rf"unknown setting {variable}=corum \(did you mean "
                                           rf"{MISSPELT[variable]}\?\).*Fix: rename or unset"):
        reader()


@pytest.mark.parametrize("variable", ["PQSTATS_COLOUR", "PQSTATS_THREADS", "PQSTATS_"])
def test_an_unknown_variable_far_from_any_is_named_without_a_guess(variable, monkeypatch):
    monkeypatch.setenv(variable, "1")
    with pytest.raises(SettingError, match=rf"unknown setting {variable}=1: pqstats reads only "):
        check_environment()


def test_known_and_benchmark_variables_pass(monkeypatch, tmp_path):
    for name in KNOWN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PQSTATS_BENCH_N2V_IMPLS", "numba")
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path))
    check_environment()
    assert data_dir() == tmp_path.resolve()


def test_a_mirror_that_is_a_file_is_an_error_not_unavailable_screens(tmp_path, monkeypatch,
                                                                      capsys):
    from pqstats.cli import main
    from pqstats.screens import available_screens

    mirror = tmp_path / "mirror.txt"
    mirror.write_text("not a folder")
    monkeypatch.setenv("PQSTATS_MIRROR", str(mirror))
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "empty_data"))
    with pytest.raises(SettingError, match=r"PQSTATS_MIRROR=.*mirror\.txt is a file, not a "
                                           r"folder"):
        available_screens("de")
    assert main(["screen", "list"]) != 0
    assert "PQSTATS_MIRROR" in capsys.readouterr().err


def test_a_misspelt_variable_stops_a_command_before_any_work(monkeypatch, capsys):
    from pqstats.cli import main

    monkeypatch.setenv("PQSTATS_EXCLUDE_SOURCE", "corum")
    assert main(["screen", "list"]) != 0
    assert "did you mean PQSTATS_EXCLUDE_SOURCES?" in capsys.readouterr().err


def _file(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("a file")
    return path


BAD_FOLDERS = {
    "a file": (lambda t: _file(t), NotADirectoryError, r"results\.csv is a file, not a folder"),
    "inside a file": (lambda t: _file(t) / "out", NotADirectoryError,
                      r"results\.csv is a file, not a folder"),
    "a name too long": (lambda t: t / ("x" * 256), OSError,
                        r"has 256 bytes, more than this file system's 255"),
    "a long name deeper down": (lambda t: t / "ok" / ("é" * 200), OSError,
                                r"has 400 bytes, more than this file system's 255"),
}


@pytest.mark.parametrize("case", list(BAD_FOLDERS))
def test_a_folder_that_cannot_be_written_is_refused_in_one_line(case, tmp_path):
    from pqstats._io import check_writable_folder

    make, error, match = BAD_FOLDERS[case]
    with pytest.raises(error, match=match) as info:
        check_writable_folder(make(tmp_path), "output folder", "choose another --out")
    assert "\n" not in str(info.value) and str(info.value).endswith("choose another --out")
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["results.csv"])


def test_a_writable_folder_passes_and_is_not_created(tmp_path):
    from pqstats._io import check_writable_folder

    assert check_writable_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
def test_a_model_cache_that_cannot_be_written_costs_the_cache_not_the_answer(
        tmp_path, monkeypatch, capsys):
    import pandas as pd

    import pqstats._io
    from pqstats.predict import screen_model
    from pqstats.screens.imports import import_screen
    from tests._helpers import linked_data_dir

    monkeypatch.setenv("PQSTATS_DATA", str(linked_data_dir(tmp_path / "data")))
    perts = ["TP53", "AAMP", "MED12", "BRCA1", "KRAS", "EGFR", "PTEN", "ATM", "CDK2", "MYC"]
    rows = [(p, g, int((i + k) % 3 == 0)) for i, p in enumerate(perts)
            for k, g in enumerate(["ACTB", "GAPDH", "NPM1", "EEF2", "RPL3", "RPS6"])]
    path = tmp_path / "pairs.csv"
    pd.DataFrame(rows, columns=["pert", "gene", "label"]).to_csv(path, index=False)
    import_screen("cache_lab", path, cell_line="HEK293T")

    def read_only(target, write):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(pqstats._io, "atomic_write", read_only)
    model = screen_model("cache_lab", "de", model="knn_retrieval", track="strict")
    assert len(model.train_pairs_) > 0
    assert "the fitted model was not cached" in capsys.readouterr().err
