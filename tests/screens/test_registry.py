"""The screen registry: built-in records, the one resolver of screen names (the same
spellings accepted and refused by every command), imported screens, and no import circles."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pqstats
from pqstats.cli import main
from pqstats.screens import (
    REGISTRY,
    DatasetError,
    ScreenReadoutError,
    UnknownScreenError,
    get_screen,
    list_screens,
    load_de,
    load_dir,
    measured_genes,
    normalise_screen_name,
    remove_screen,
    resolve_screen,
    screens_dir,
)

# --- built-in screens -----------------------------------------------------------------
#: The contract's study ids (k562 and k562_set are one screen, so one study).
BUILTIN = {
    "k562": ("K562", "replogle2022_k562", "genes"),
    "rpe1": ("RPE1", "replogle2022_rpe1", "genes"),
    "hepg2": ("HepG2", "nadig2025_hepg2", "genes"),
    "jurkat": ("Jurkat", "nadig2025_jurkat", "genes"),
    "k562_set": ("K562", "replogle2022_k562", "programmes"),
}


@pytest.fixture
def no_user_screens(tmp_path, monkeypatch):
    """A data folder without imported screens (built-ins only)."""
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))


def test_builtin_records(no_user_screens):
    screens = list_screens()
    assert [s.name for s in screens] == list(BUILTIN)
    for s in screens:
        assert (s.cell_line, s.study, s.readout) == BUILTIN[s.name]
        assert s.builtin and s.path is None
        assert s.description.strip() and "\n" not in s.description
        for role in ("de", "dir"):
            f = s.file(role)
            assert f.name == f"{s.name}-{role}.csv"
            assert f.sha256 == REGISTRY[f.name].sha256 and len(f.sha256) == 64
    assert get_screen("k562_set").file("programmes").name == "k562_set-mapping.json"
    assert get_screen("rpe1").file("programmes") is None


# --- the resolver ---------------------------------------------------------------------
ACCEPTED = [
    ("k562", "k562"),
    ("K562", "k562"),
    (" k562 ", "k562"),
    ("\tRPE1\n", "rpe1"),
    ("HepG2", "hepg2"),
    ("k562_set", "k562_set"),
    ("K562-set", "k562_set"),
    (" K562_SET", "k562_set"),
]
REFUSED = [
    ("k526", r"unknown screen 'k526'; did you mean k562\?"),
    ("rpe", r"unknown screen 'rpe'; did you mean rpe1\?"),
    ("hela", r"unknown screen 'hela'; registered screens: k562, rpe1, hepg2, jurkat, k562_set"),
    ("k562 set", r"unknown screen 'k562 set'"),  # inner spaces are not read as _
    ("", r"unknown screen ''"),
    (None, r"a screen name must be a string"),
    (562, r"a screen name must be a string"),
]


@pytest.mark.parametrize(("spelling", "name"), ACCEPTED)
def test_resolver_accepts(spelling, name, no_user_screens):
    assert resolve_screen(spelling) == name
    assert get_screen(spelling) is get_screen(name)
    assert normalise_screen_name(spelling) == name


@pytest.mark.parametrize(("spelling", "message"), REFUSED)
def test_resolver_refuses(spelling, message, no_user_screens):
    with pytest.raises(UnknownScreenError, match=message):
        get_screen(spelling)


def test_readout_capability_is_checked_by_the_resolver(no_user_screens):
    assert get_screen("k562", readout="genes").name == "k562"
    with pytest.raises(ScreenReadoutError,
                       match=r"^screen 'k562_set' reads out gene programmes, and this needs a "
                             r"screen that reads out single genes; use k562 "):
        get_screen("K562-set", readout="genes")
    with pytest.raises(ValueError, match="readout must be one of"):
        get_screen("k562", readout="cells")


# --- the same rules in every command ----------------------------------------------------
def _commands(tmp_path: Path) -> dict[str, callable]:
    """Command → argv builder for a screen name (cheap settings; each needs a screen)."""
    preds = tmp_path / "preds.csv"
    preds.write_text("pert,gene,score\nA,B,0.5\n")
    candidates = tmp_path / "candidates.txt"
    candidates.write_text("TP53\n")
    out = str(tmp_path / "out")
    return {
        "score": lambda s: ["score", str(preds), "--dataset", s, "--task", "de"],
        "cv": lambda s: ["cv", "--dataset", s, "--task", "dir", "--model", "gene_frequency"],
        "predict": lambda s: ["predict", "--cell-line", s, "--pert", "MED12",
                              "--model", "knn_retrieval"],
        "explain": lambda s: ["explain", "--cell-line", s, "--pert", "MED12", "--gene", "MYC",
                              "--model", "knn_retrieval"],
        "prioritise": lambda s: ["prioritise", "--cell-line", s, "--candidates",
                                 str(candidates), "--model", "knn_retrieval"],
        "summer prompt": lambda s: ["summer", "prompt", "MED12", "MYC", "--dataset", s],
        "summer run": lambda s: ["summer", "run", "--dataset", s, "--tasks", "de"],
        "benchmark": lambda s: ["benchmark", "--datasets", s, "--models", "gene_frequency",
                                "--tasks", "dir", "--no-figures", "--n-boot", "10",
                                "--out", out, "--json"],
        "screen show": lambda s: ["screen", "show", s, "--json"],
    }


COMMANDS = ["score", "cv", "predict", "explain", "prioritise", "summer prompt", "summer run",
            "benchmark", "screen show"]
NEEDS_GENES = {"predict", "prioritise"}


def _error(capsys, argv: list[str]) -> str:
    """Run ``pqstats argv`` in-process; return its error line less the command prefix."""
    code = main(argv)
    err = capsys.readouterr().err.splitlines()
    assert code == 2, err
    command = " ".join(argv[:2]) if argv[0] in ("summer", "screen", "kg") else argv[0]
    prefix = f"pqstats {command}: error: "
    assert err[0].startswith(prefix) and err[1].startswith("hint: ")
    return err[0][len(prefix):]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("spelling", ["k526", " Hela "])
def test_every_command_refuses_unknown_names_alike(command, spelling, tmp_path, capsys):
    message = _error(capsys, _commands(tmp_path)[command](spelling))
    with pytest.raises(UnknownScreenError) as expected:
        get_screen(spelling)
    assert message == str(expected.value)
    if spelling == "k526":
        assert "did you mean k562?" in message


@pytest.mark.parametrize("command", sorted(NEEDS_GENES))
@pytest.mark.parametrize("spelling", ["k562_set", "K562-SET"])
def test_gene_commands_refuse_programme_screens_alike(command, spelling, tmp_path, capsys):
    message = _error(capsys, _commands(tmp_path)[command](spelling))
    assert message == ("screen 'k562_set' reads out gene programmes, and this needs a screen "
                       "that reads out single genes; use k562 (the same study, read out as "
                       "single genes)")


@pytest.mark.integration
@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in ("benchmark",
                                                                      "screen show")])
@pytest.mark.parametrize("spelling", ["jurkat", " JURKAT "])
def test_every_command_says_alike_that_a_screen_is_unavailable(command, spelling, tmp_path,
                                                             capsys, jurkat_absent):
    """Where Jurkat's files are not here, each command accepts the name (any spelling)
    and stops with the loaders' one message."""
    message = _error(capsys, _commands(tmp_path)[command](spelling))
    assert message.startswith("screen 'jurkat' is unavailable here: jurkat-")
    assert "is not in the mirror" in message and "Fix:" in message


@pytest.mark.integration
def test_available_cell_lines_are_the_gene_readout_screens_here():
    """make benchmark draws a learning curve for each: the four PerturbQA cell lines,
    never the programme screen."""
    from pqstats.benchmark import available_builtin_screens, available_cell_lines

    lines = available_cell_lines()
    assert lines == [s for s in available_builtin_screens() if BUILTIN[s][2] == "genes"]
    assert lines == ["k562", "rpe1", "hepg2", "jurkat"]


def test_benchmark_reports_an_unavailable_screen_as_a_row(tmp_path, capsys, jurkat_absent):
    from pqstats.benchmark import run_benchmark

    rows = run_benchmark(datasets=[" Jurkat ", "k562_set"], tasks=["dir"],
                         models=["gene_frequency"], n_boot=10, progress=False)
    assert rows["dataset"].tolist() == ["jurkat", "k562_set"]
    assert rows["note"].iloc[0].startswith("unavailable: screen 'jurkat' is unavailable here")
    # alone, an unavailable screen is a run on nothing: refused, and nothing is written
    out = tmp_path / "out"
    assert main(_commands(tmp_path)["benchmark"](" Jurkat ")) == 2
    assert "is a scored cell" in capsys.readouterr().err and not out.exists()


def _run_json(capsys, argv: list[str]):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.integration
@pytest.mark.parametrize("spelling", ["K562", " k562 "])
def test_cheap_commands_run_alike_on_any_accepted_spelling(spelling, tmp_path, capsys):
    test = load_dir("k562").query("split == 'test'")
    preds = tmp_path / "k562_dir.csv"
    test.assign(score=np.arange(len(test)) % 7)[["pert", "gene", "score"]].to_csv(preds,
                                                                                  index=False)
    score = ["score", str(preds), "--task", "dir", "--n-boot", "20", "--json", "--dataset"]
    assert _run_json(capsys, score + [spelling]) == _run_json(capsys, score + ["k562"])
    cv = ["cv", "--task", "dir", "--model", "gene_frequency", "--folds", "2", "--json",
          "--dataset"]
    assert _run_json(capsys, cv + [spelling]) == _run_json(capsys, cv + ["k562"])
    rows = _run_json(capsys, _commands(tmp_path)["benchmark"](spelling))
    assert [(r["dataset"], r["note"]) for r in rows] == [("k562", "")]
    prompt = ["summer", "prompt", "MED12", "MYC", "--examples", "2", "--dataset"]
    assert main(prompt + [spelling]) == 0
    text = capsys.readouterr().out
    assert main(prompt + ["k562"]) == 0
    assert capsys.readouterr().out == text
    assert get_screen("k562").description in text


# --- an imported screen ---------------------------------------------------------------
DE = pd.DataFrame({
    "pert": ["MED12", "MED12", "MED12", "SUPT5H", "SUPT5H", "SUPT5H", "POLR2A", "POLR2A",
             "TP53", "TP53"],
    "gene": ["MYC", "GAPDH", "ACTB", "MYC", "GAPDH", "ACTB", "MYC", "GAPDH", "MYC", "GAPDH"],
    "label": [1, 0, 1, 0, 1, 1, 1, 0, 0, 1],
    "split": ["train"] * 6 + ["test"] * 4,
})
DIR = DE[DE["label"] == 1].assign(label=[1, 0, 1, 0, 0, 1]).reset_index(drop=True)


def write_screen(root: Path, name: str = "hek293t", readout: str = "genes",
                 de: pd.DataFrame = DE, dir_: pd.DataFrame | None = DIR,
                 manifest: dict | None = None) -> Path:
    """Write an imported screen by hand, as the contract lays it out."""
    folder = root / "screens" / name
    folder.mkdir(parents=True)
    de.to_csv(folder / "de.csv", index=False)
    files = {"de": "de.csv"}
    if dir_ is not None:
        dir_.to_csv(folder / "dir.csv", index=False)
        files["dir"] = "dir.csv"
    (folder / "genes.txt").write_text("MYC\nGAPDH\nACTB\n")
    record = {
        "schema": 1, "name": name, "cell_line": "HEK293T",
        "description": "HEK293T cells (a human embryonic kidney cell line), CRISPRi "
                       "Perturb-seq screen of four genes",
        "study": f"lab2025_{name}", "readout": readout, "format": "pairs",
        "inputs": [{"file": "pairs.csv", "sha256": "0" * 64, "bytes": 123}],
        "options": {}, "labelling": {"rule": "given as pairs", "counts": {"perts": 4}},
        "files": files, "pqstats_version": "0.1.0",
    }
    record.update(manifest or {})
    (folder / "manifest.json").write_text(json.dumps(record, sort_keys=True, indent=2))
    return folder


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("PQSTATS_DATA", str(root))
    return root


def test_an_imported_screen_is_registered_and_loads(data, capsys):
    folder = write_screen(data)
    assert screens_dir() == data / "screens"
    assert [s.name for s in list_screens()] == [*BUILTIN, "hek293t"]
    screen = get_screen(" HEK293T ")
    assert (screen.name, screen.cell_line, screen.study, screen.readout, screen.builtin) == (
        "hek293t", "HEK293T", "lab2025_hek293t", "genes", False)
    assert screen.path == folder and screen.labels == "given as pairs"
    assert screen.file("input").sha256 == "0" * 64
    expected = DE.astype({"label": "int8"})
    pd.testing.assert_frame_equal(load_de("hek293t"), expected)
    pd.testing.assert_frame_equal(pqstats.load_de("HEK293T"), expected)
    pd.testing.assert_frame_equal(pqstats.load_dir("hek293t"), DIR.astype({"label": "int8"}))
    assert measured_genes("hek293t") == ["ACTB", "GAPDH", "MYC"]
    # the command group
    listed = _run_json(capsys, ["screen", "list", "--json"])
    assert [s["name"] for s in listed["screens"]][-1] == "hek293t" and listed["broken"] == {}
    shown = _run_json(capsys, ["screen", "show", "Hek293t", "--json"])
    assert shown["study"] == "lab2025_hek293t" and shown["manifest"]["format"] == "pairs"
    assert main(["screen", "show", "hek293t"]) == 0
    assert "lab2025_hek293t" in capsys.readouterr().out


def test_an_imported_screen_is_benchmarked_and_scored_like_a_builtin(data, tmp_path, capsys):
    from pqstats.benchmark import run_benchmark
    from pqstats.evaluation import score_predictions

    write_screen(data)
    rows = run_benchmark(datasets=[" HEK293T "], tasks=["de"], models=["gene_frequency"],
                         n_boot=10, progress=False, cache=False)
    # a score constant per gene lands at exactly 0.5 (both test genes have both classes)
    assert rows[["dataset", "auroc", "n_genes", "note"]].values.tolist() == [
        ["hek293t", 0.5, 2, ""]]
    test = DE[DE["split"] == "test"]
    preds = test.assign(score=[0.9, 0.1, 0.2, 0.8])[["pert", "gene", "score"]]
    assert score_predictions("Hek293T", "de", preds, n_boot=10)["auroc"] == 1.0
    path = tmp_path / "preds.csv"
    preds.to_csv(path, index=False)
    assert _run_json(capsys, ["score", str(path), "--dataset", "hek293t", "--task", "de",
                              "--n-boot", "10", "--json"])["auroc"] == 1.0


def test_an_imported_screen_is_validated_like_a_builtin(data):
    write_screen(data, de=DE.assign(label=[2] + DE["label"].tolist()[1:]))
    with pytest.raises(DatasetError, match=r"de\.csv: labels must be 0 or 1"):
        load_de("hek293t")


def test_an_imported_screen_without_directions(data):
    write_screen(data, dir_=None)
    with pytest.raises(FileNotFoundError,
                       match=r"^screen 'hek293t' is unavailable here: it has no dir table"):
        load_dir("hek293t")


@pytest.mark.parametrize(("manifest", "message"), [
    ({"name": "other"}, r"names the screen 'other', not 'hek293t'"),
    ({"readout": "cells"}, r"has readout 'cells'"),
    ({"files": {"dir": "dir.csv"}}, r"has no de table"),
])
def test_a_broken_manifest_is_named_and_can_be_removed(data, manifest, message, capsys):
    write_screen(data, manifest=manifest)
    with pytest.raises(DatasetError, match=message + r".*pqstats screen remove hek293t"):
        get_screen("hek293t")
    assert "hek293t" not in [s.name for s in list_screens()]
    assert main(["screen", "list"]) == 0
    assert re.search(r"^hek293t +broken: .*manifest\.json", capsys.readouterr().out, re.M)
    remove_screen("hek293t")
    assert not (data / "screens" / "hek293t").exists()


def test_a_folder_without_manifest_is_no_screen(data):
    write_screen(data)
    (data / "screens" / "hek293t" / "manifest.json").unlink()  # an import in progress
    with pytest.raises(UnknownScreenError):
        get_screen("hek293t")


def test_remove_deletes_an_imported_screen_and_keeps_builtins(data, capsys):
    write_screen(data)
    assert _run_json(capsys, ["screen", "remove", "HEK293T", "--json"])["removed"] == "hek293t"
    assert list((data / "screens").iterdir()) == []  # no temporary folder left either
    with pytest.raises(UnknownScreenError, match="unknown screen 'hek293t'"):
        get_screen("hek293t")
    assert "unknown screen 'hek293t'" in _error(capsys, ["screen", "remove", "hek293t"])
    assert _error(capsys, ["screen", "remove", "K562"]) == (
        "'k562' is a built-in PerturbQA screen; only imported screens can be removed")


def test_transfer_sources_of_an_imported_screen(data):
    from pqstats.features.transfer import transfer_sources

    write_screen(data)
    write_screen(data, name="hek_programmes", readout="programmes")
    # an imported screen draws on every PerturbQA cell line; they draw only on each other,
    # so the benchmark's transfer track is the same whatever a user imported
    assert transfer_sources("hek293t") == ["k562", "rpe1", "hepg2", "jurkat"]
    assert transfer_sources("k562") == ["rpe1", "hepg2", "jurkat"]
    assert transfer_sources("k562_set") == ["rpe1", "hepg2", "jurkat"]
    # a screen of the same study never feeds it
    write_screen(data, name="hek_again", manifest={"study": "lab2025_hek293t"})
    assert "hek_again" not in transfer_sources("hek293t")
    assert "hek293t" not in transfer_sources("hek_again")
    # another study's imported screen feeds it only when declared a source
    write_screen(data, name="hek_other", manifest={"study": "lab2025_other"})
    assert "hek_other" not in transfer_sources("hek293t")
    for flag in ("yes", 1, "true"):  # only the JSON true declares it
        write_screen(data, name="hek_flag", manifest={"study": "lab2025_f", "source": flag})
        assert "hek_flag" not in transfer_sources("hek293t")
        remove_screen("hek_flag")
    write_screen(data, name="hek_source", manifest={"study": "lab2025_src", "source": True})
    assert transfer_sources("hek293t") == ["k562", "rpe1", "hepg2", "jurkat", "hek_source"]
    assert "hek_source" not in transfer_sources("k562")  # built-ins draw on built-ins only
    assert "hek_source" in transfer_sources("hek_other")


def test_a_screen_folder_with_an_invalid_name_is_reported_not_hidden(data):
    from pqstats.screens import broken_screens

    write_screen(data)
    for bad in ("newline\n", "My Screen", "tab\tname"):
        folder = data / "screens" / bad
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
    broken = broken_screens()
    assert sorted(broken) == sorted(["My Screen", "newline\n", "tab\tname"])
    assert all("not a valid screen name" in why for why in broken.values())
    assert [s.name for s in list_screens()][-1] == "hek293t"


@pytest.mark.integration
def test_transfer_features_of_an_imported_screen_use_perturbqa_training_splits(data):
    from pqstats.features.transfer import TransferFeatures

    write_screen(data)
    feats = TransferFeatures("hek293t", "de").fit()
    assert feats.sources_ == ["k562", "rpe1", "hepg2", "jurkat"]
    table = feats.transform(DE[["pert", "gene"]])
    for pert, n in table.groupby(DE["pert"])["transfer_screens"].first().items():
        screened = sum(pert in set(load_de(s).query("split == 'train'")["pert"])
                       for s in feats.sources_)
        assert n == screened, pert
    assert (table["transfer_screens"] > 0).any()


# --- no import circles ----------------------------------------------------------------
def _module_graph() -> dict[str, set[str]]:
    """pqstats module → the pqstats modules it imports (anywhere in the file, function-level
    and TYPE_CHECKING imports included; ``from pkg import submodule`` counts as the
    submodule)."""
    root = Path(pqstats.__file__).parent
    modules = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                edges |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                          for a in node.names}
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    graph = _module_graph()
    assert "pqstats.screens.registry" in graph["pqstats.screens.load"]
    assert _cycles(graph) == []


def test_no_module_lists_screen_names():
    """Outside pqstats/screens no code lists screen names (a tuple, list, set or dict of
    two or more) or special-cases one (``== "k562_set"``); only the paper's published
    table (PAPER_TABLE) is keyed by them. Defaults such as ``dataset="k562"`` are fine."""
    root = Path(pqstats.__file__).parent
    names = set(BUILTIN)

    def is_name(node) -> bool:
        return isinstance(node, ast.Constant) and node.value in names

    offenders = []
    for path in root.rglob("*.py"):
        if path.parent.name == "screens":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = (node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else
                     node.keys if isinstance(node, ast.Dict) else [])
            listed = sum(map(is_name, items)) >= 2
            compared = isinstance(node, ast.Compare) and any(
                map(is_name, [node.left, *node.comparators]))
            if listed or compared:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    paper_table = [o for o in offenders if o.startswith("report/_results.py:")]
    assert len(paper_table) == 1  # the zip of PAPER_TABLE's columns
    assert sorted(set(offenders) - set(paper_table)) == []


@pytest.mark.integration
@pytest.mark.parametrize("task", ["de", "dir"])
def test_each_zero_shot_line_learns_from_the_other_studies_lines(task):
    """Five screens: each zero-shot line learns from every other study's cell line,
    Jurkat included; k562 and k562_set (one study) never feed each other."""
    from pqstats.features.zero_shot import zero_shot_sources

    lines = ["k562", "rpe1", "hepg2", "jurkat"]
    for target in [*lines, "k562_set"]:
        study = BUILTIN[target][1]
        expected = [s for s in lines if BUILTIN[s][1] != study]
        assert zero_shot_sources(target, task) == expected, target
    assert "k562_set" not in zero_shot_sources("k562", task)
    assert "k562" not in zero_shot_sources("k562_set", task)
