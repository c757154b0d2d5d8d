"""The PerturbQA data layer: file registry, loaders, validation."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from pqstats import screens
from pqstats._fetch import DataUnavailableError, RemoteFile
from pqstats.screens import DatasetError, validate_pairs
from pqstats.screens import load as screen_load

# --- real files (integration) -------------------------------------------------------
EXPECTED = {  # rows, train rows, test rows of each file (counted from the published CSVs)
    ("k562", "de"): (157679, 134467, 23212),
    ("k562", "dir"): (19980, 16861, 3119),
    ("rpe1", "de"): (187089, 149147, 37942),
    ("rpe1", "dir"): (26652, 21287, 5365),
    ("hepg2", "de"): (126889, 101140, 25749),
    ("hepg2", "dir"): (17860, 14257, 3603),
    ("k562_set", "de"): (25841, 20606, 5235),
    ("k562_set", "dir"): (14071, 11239, 2832),
}


@pytest.mark.integration
@pytest.mark.parametrize(("name", "task"), sorted(EXPECTED))
def test_load_real_pairs(name, task):
    df = screens.load_pairs(name, task)
    assert list(df.columns) == ["pert", "gene", "label", "split"]
    assert (len(df), (df.split == "train").sum(), (df.split == "test").sum()) == EXPECTED[
        (name, task)]
    assert set(df.label.unique()) == {0, 1}
    train, test = (set(df.pert[df.split == s]) for s in ("train", "test"))
    assert not train & test


@pytest.mark.integration
def test_k562_set_genes_are_programmes():
    programmes = screens.load_programs()
    assert len(programmes) == 25
    genes = set(screens.load_de("k562_set").gene)
    assert len(genes) == 20 and genes <= set(programmes)


@pytest.mark.integration
def test_gse_and_measured_genes():
    assert len(screens.load_gse("pert")) == 52
    assert len(screens.load_gse("gene")) == 25
    assert len(screens.load_gse("pert", skip_empty=False)) == 64
    assert len(screens.load_gse("gene", skip_empty=False)) == 38
    measured = screens.measured_genes("k562")
    assert len(measured) == 8455 and "GAPDH" in measured


@pytest.mark.integration
def test_jurkat_is_a_first_class_screen():
    """Jurkat's tables are in the mirror, verified against the registry's checksums."""
    de, dr = screens.load_de("jurkat"), screens.load_dir("jurkat")
    assert list(de.columns) == ["pert", "gene", "label", "split"]
    assert set(de["split"]) == {"train", "test"} and set(de["label"]) == {0, 1}
    assert not set(de.query("split == 'train'")["pert"]) & set(
        de.query("split == 'test'")["pert"])
    assert set(dr["label"]) == {0, 1} and len(dr) == int(de["label"].sum())


@pytest.mark.integration
def test_a_screen_missing_here_gives_the_fix(jurkat_absent):
    with pytest.raises(DataUnavailableError,
                       match=r"^screen 'jurkat' is unavailable here: jurkat-de\.csv is not in "
                             r"the mirror.*sha256 cf993f77"):
        screens.load_de("jurkat")


@pytest.fixture
def tmp_mirror(tmp_path, monkeypatch):
    """A private mirror and cache; ``put(name, bytes, pin=True)`` adds a file to it.

    With ``pin`` the registry's checksum is replaced by the file's own, so the file
    passes verification (as a genuine copy would).
    """
    (tmp_path / "m" / "perturbqa").mkdir(parents=True)
    monkeypatch.setenv("PQSTATS_MIRROR", str(tmp_path / "m"))
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "cache"))

    def put(name: str, content: bytes, pin: bool = True) -> None:
        (tmp_path / "m" / "perturbqa" / name).write_bytes(content)
        if pin:
            real = screens.REGISTRY[name]
            monkeypatch.setitem(screens.REGISTRY, name, RemoteFile(
                real.name, real.subdir, real.url, hashlib.sha256(content).hexdigest()))

    screen_load._load_builtin_cached.cache_clear()
    yield put
    screen_load._load_builtin_cached.cache_clear()


def test_jurkat_loads_from_a_mirror_that_has_it(tmp_mirror):
    tmp_mirror("jurkat-de.csv",
               b"pert,gene,label,split\nA,G1,1,train\nA,G2,0,train\nB,G1,0,test\nB,G2,1,test\n")
    df = screens.load_de("jurkat")
    assert df.shape == (4, 4) and df.label.tolist() == [1, 0, 0, 1]


@pytest.mark.integration
def test_loaders_return_copies():
    # mutating a returned frame must not corrupt the cache
    df = screens.load_de("k562")
    df.loc[:, "label"] = 9
    assert set(screens.load_de("k562").label.unique()) == {0, 1}


# --- bad input ------------------------------------------------------------------------
def _pairs(**overrides) -> pd.DataFrame:
    df = pd.DataFrame({"pert": ["A", "A", "B"], "gene": ["G1", "G2", "G1"],
                       "label": [1, 0, 1], "split": ["train", "train", "test"]})
    for k, v in overrides.items():
        df[k] = v
    return df


BAD_TABLES = [
    (_pairs().rename(columns={"label": "y"}), r"expected columns pert,gene,label,split"),
    (_pairs(label=[1, 2, 0]), r"labels must be 0 or 1"),
    (_pairs(label=["yes", "0", "1"]), r"labels must be 0 or 1"),
    (_pairs(split=["train", "valid", "test"]), r"split must be 'train' or 'test'"),
    (_pairs(gene=["G1", "G1", "G1"]), r"duplicate \(pert, gene\) pairs"),
    (_pairs(split=["train", "test", "test"]), r"perturbations in both train and test"),
    (_pairs(gene=["G1", None, "G1"]), r"missing values"),
]


@pytest.mark.parametrize(("table", "message"), BAD_TABLES)
def test_invalid_tables_are_rejected(table, message):
    with pytest.raises(DatasetError, match=message):
        validate_pairs(table, source="fixture.csv")


@pytest.mark.parametrize(("call", "message"), [
    (lambda: screens.load_de("k563"), r"unknown screen 'k563'; did you mean k562\?"),
    (lambda: screens.load_pairs("k562", "up"), r"unknown task 'up'"),
    (lambda: screens.load_gse("cells"), r"unknown GSE kind"),
    (lambda: screens.measured_genes("rpe1"), r"only for k562"),
    (lambda: screens.fetch("nope.csv"), r"unknown benchmark file"),
])
def test_unknown_names(call, message):
    with pytest.raises(DatasetError, match=message):
        call()


def test_corrupt_checksum_in_mirror(tmp_mirror, tmp_path):
    tmp_mirror("k562-dir.csv", b"pert,gene,label,split\n", pin=False)
    with pytest.raises(ValueError, match=r"checksum mismatch for k562-dir\.csv"):
        screens.load_dir("k562")
    assert not (tmp_path / "cache" / "perturbqa" / "k562-dir.csv").exists()


def test_malformed_csv_is_a_clear_error(tmp_mirror):
    tmp_mirror("rpe1-de.csv", b'pert,gene,label,split\nA,"G1,1,train\n')
    with pytest.raises(DatasetError, match=r"rpe1-de\.csv"):
        screens.load_de("rpe1")
