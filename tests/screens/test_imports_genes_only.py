"""A cell line with no screen yet: a genes-only import, scored zero-shot (issue 16, items 3-4).

The screen ``newline`` is imported from a list of readout genes into a temporary data
folder that shares the real one's files (:func:`tests._helpers.linked_data_dir`); predict,
explain and prioritise run on it in-process through :func:`pqstats.cli.main`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pqstats.cli import main
from pqstats.screens import (
    UnlabelledScreenError,
    get_screen,
    load_de,
    measured_genes,
    screens_dir,
)
from pqstats.screens.imports import ScreenImportError, import_screen
from tests._helpers import linked_data_dir

MODEL = "knn_retrieval"  # runs zero-shot and fits in seconds
UNKNOWN = "NOTAGENE1"
MYC_ENSEMBL = "ENSG00000136997"


@pytest.fixture(scope="module")
def hepg2_train():
    de = load_de("hepg2")
    return de[de["split"] == "train"].reset_index(drop=True)


@pytest.fixture(scope="module")
def newline(tmp_path_factory, hepg2_train):
    """``newline``: 150 genes HepG2 measured, an Ensembl id and a name no graph knows."""
    root = tmp_path_factory.mktemp("genesonly")
    genes = sorted(hepg2_train["gene"].unique())[:150]
    path = root / "readouts.txt"
    path.write_text("# readout genes of the new line\n" + "\n".join(genes)
                    + f"\n{MYC_ENSEMBL}\n{UNKNOWN}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PQSTATS_DATA", str(linked_data_dir(root / "data")))
        rc = main(["screen", "import", "newline", str(path), "--format", "genes",
                   "--cell-line", "HEK293T"])
        assert rc == 0
        yield {"genes": genes, "root": root}


def _json_out(capsys, argv):
    capsys.readouterr()
    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def _refused(capsys, argv):
    capsys.readouterr()
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2
    return err


# ------------------------------------------------------------------ import
def test_genes_import_registers_a_screen_without_labels(newline):
    screen = get_screen(" NewLine ")
    assert (screen.cell_line, screen.labelled, screen.builtin) == ("HEK293T", False, False)
    manifest = screen.manifest
    assert manifest["format"] == "genes" and manifest["files"] == {"measured": "genes.txt"}
    c = manifest["labelling"]["counts"]
    assert c["genes"] == 152 and c["pairs_de"] == 0 and c["perts"] == 0
    assert c["unknown_genes"] >= 1 and UNKNOWN in c["unknown_gene_examples"]
    assert c["renamed_genes"] == 1  # the Ensembl id became the graph's symbol
    assert sorted(p.name for p in screen.path.iterdir()) == ["genes.txt", "manifest.json"]
    assert measured_genes("newline") == sorted([*newline["genes"], "MYC", UNKNOWN])
    with pytest.raises(UnlabelledScreenError, match=r"'newline' has no labels.*--track "
                                                    r"zero-shot"):
        load_de("newline")


BAD_LISTS = {
    # case: (file text, message expected)
    "empty file": ("", r"no gene symbols found \(the file is empty"),
    "only comments": ("# nothing yet\n\n", r"no gene symbols found"),
    "duplicate": ("MYC\nTP53\nMYC\n", r"'MYC' is listed twice \(lines 1 and 3\)"),
    "a number": ("MYC\n0.25\n", r"line 2: '0.25' is a number"),
}


@pytest.mark.parametrize("case", list(BAD_LISTS))
def test_bad_gene_list_is_a_clear_error_and_writes_nothing(case, tmp_path):
    text, match = BAD_LISTS[case]
    path = tmp_path / "genes.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScreenImportError, match=match):
        import_screen("bad_list", path, cell_line="X", format="genes", data_dir=tmp_path)
    assert not (tmp_path / "screens").exists() or not any((tmp_path / "screens").iterdir())


# ------------------------------------------------------------------ predict / explain / prioritise
def test_predict_scores_the_listed_genes_zero_shot_from_other_studies(newline, capsys):
    from pqstats.features.zero_shot import zero_shot_sources

    out = _json_out(capsys, ["predict", "--cell-line", "newline", "--pert", "MED12",
                             "--model", MODEL, "--top", "1000", "--json"])
    assert out["track"] == "zero-shot" and out["pert_screened"] is False
    sources = zero_shot_sources("newline", "de")
    assert out["evidence_screens"] == sources and "newline" not in sources
    assert {get_screen(s).study for s in sources}.isdisjoint({"newline"})
    table = pd.DataFrame(out["predictions"])
    assert sorted(table["gene"]) == measured_genes("newline")
    assert table["p_de"].between(0, 1).all() and table["p_up"].between(0, 1).all()
    # base rates come from the sources' training pairs, never from the target (it has none)
    rates = pd.concat([load_de(s).query("split == 'train'") for s in sources])
    expect = rates.groupby("gene")["label"].mean()
    got = table.set_index("gene")["base_rate"].dropna()
    assert len(got) > 100
    np.testing.assert_allclose(got.to_numpy(), expect.reindex(got.index).to_numpy(), atol=1e-9)


def test_strict_and_transfer_are_refused_with_the_fix(newline, capsys):
    for track in ("strict", "transfer"):
        err = _refused(capsys, ["predict", "--cell-line", "newline", "--pert", "MED12",
                                "--model", MODEL, "--track", track])
        assert err.startswith("pqstats predict: error: screen 'newline' has no labels")
        assert f"the {track} track" in err and "--track zero-shot" in err


def test_explain_names_the_screens_the_evidence_came_from(newline, capsys, hepg2_train):
    from pqstats.features.pairs import load_graph

    kg_genes = set(load_graph().genes)
    listed = set(newline["genes"])
    # a HepG2 training knockdown and a listed gene it measured: its own outcome is evidence
    row = hepg2_train[hepg2_train["pert"].isin(kg_genes) & hepg2_train["gene"].isin(listed)
                      & (hepg2_train["label"] == 1)].iloc[0]
    out = _json_out(capsys, ["explain", "--cell-line", "newline", "--pert", row.pert,
                             "--gene", row.gene, "--model", MODEL, "--json"])
    assert out["track"] == "zero-shot" and "hepg2" in out["evidence_screens"]
    neighbours = pd.DataFrame(out["neighbours"])
    assert set(neighbours["screen"]) <= set(out["evidence_screens"])
    own = neighbours[(neighbours["screen"] == "hepg2") & (neighbours["space"] == "self")]
    assert own["training_pert"].tolist()[:1] == [row.pert]
    assert own["outcome"].iloc[0] == 1.0 and own["similarity"].iloc[0] == pytest.approx(1.0)
    capsys.readouterr()
    assert main(["explain", "--cell-line", "newline", "--pert", row.pert, "--gene", row.gene,
                 "--model", MODEL]) == 0
    text = capsys.readouterr().out
    assert ("no label of newline was used; the evidence comes from the training splits of "
            f"the screens {', '.join(out['evidence_screens'])}") in text
    assert "in the hepg2 screen" in text


def test_prioritise_ranks_candidates_with_nothing_screened(newline, capsys):
    cands = newline["root"] / "candidates.txt"
    cands.write_text("MED12\nmyc\nTP53\nPOLR2A\n", encoding="utf-8")
    out = _json_out(capsys, ["prioritise", "--cell-line", "newline", "--candidates",
                             str(cands), "--model", MODEL, "--strategy", "effect", "--json"])
    assert out["track"] == "zero-shot" and out["n_screened"] == 0
    ranking = pd.DataFrame(out["ranking"])
    assert sorted(ranking["pert"]) == ["MED12", "MYC", "POLR2A", "TP53"]
    assert not ranking["already_screened"].any()
    assert ranking["predicted_effect"].is_monotonic_decreasing
    assert ranking["reason"].str.endswith("nothing screened yet").all()


@pytest.mark.parametrize("argv", [
    ["benchmark", "--datasets", "newline", "--models", MODEL],
    ["cv", "--dataset", "newline", "--task", "de", "--model", MODEL],
    ["score", "PRED", "--dataset", "newline", "--task", "de"],
])
def test_commands_that_need_labels_refuse_it(newline, capsys, argv):
    out = newline["root"] / "bench"
    pred = newline["root"] / "pred.csv"
    pred.write_text("pert,gene,score\nMED12,MYC,0.5\n", encoding="utf-8")
    argv = [str(pred) if a == "PRED" else a for a in argv]
    if argv[0] == "benchmark":
        argv += ["--out", str(out)]
    err = _refused(capsys, argv)
    assert f"pqstats {argv[0]}: error: screen 'newline' has no labels" in err
    assert not out.exists()  # refused before anything was written


def test_screens_without_labels_feed_no_other_screen(newline):
    from pqstats.features.transfer import transfer_sources
    from pqstats.screens import remove_screen

    other = import_screen("other_line", newline["root"] / "readouts.txt", cell_line="Y",
                          format="genes")
    try:  # another study's gene-level screen, but it has no labels to give
        assert get_screen("other_line").study != get_screen("newline").study
        assert "other_line" not in transfer_sources("newline")
        assert "newline" not in transfer_sources("other_line")
    finally:
        remove_screen(other.name)
    assert not (screens_dir() / "other_line").exists()


# ------------------------------------------------------------------ screen design from zero
def _replay(hepg2_train, poison: set[str] | None = None):
    from pqstats.prioritise import simulate_screen

    pairs = hepg2_train[["pert", "gene", "label"]]
    if poison:
        hit = pairs["pert"].isin(poison)
        pairs = pairs.assign(label=np.where(hit, 1 - pairs["label"], pairs["label"])
                             .astype("int8"))
    return simulate_screen("hepg2", strategies=("effect", "random"), n_initial=0, batch=10,
                           n_rounds=2, n_perts=80, model=MODEL, seed=3, pairs=pairs)


def test_simulate_from_zero_is_seeded_and_reads_labels_only_once_revealed(hepg2_train):
    first = _replay(hepg2_train)
    again = _replay(hepg2_train)
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs["picks"] == again.attrs["picks"]
    zero = first[first["round"] == 0]
    assert (zero["n_screened"] == 0).all() and (zero["strong_found"] == 0).all()
    assert (zero["track"] == "zero-shot").all()
    assert (first.loc[first["round"] > 0, "track"] == "strict").all()
    assert first.groupby("strategy")["n_screened"].max().eq(20).all()
    picks = first.attrs["picks"]["effect"]
    assert len(picks[0]) == 10 and not set(picks[0]) & set(picks[1])
    # flip the labels of every perturbation not revealed by round 1: the first two
    # rounds' picks cannot change (round 1 is zero-shot, round 2 learns from round 1's)
    perts = set(hepg2_train["pert"])
    for strategy in ("effect", "random"):
        revealed = set(first.attrs["picks"][strategy][0])
        poisoned = _replay(hepg2_train, poison=perts - revealed)
        assert poisoned.attrs["picks"][strategy][:2] == first.attrs["picks"][strategy][:2]
    # and the zero-shot picks ignore every label of the replayed screen
    flipped = _replay(hepg2_train, poison=perts)
    assert flipped.attrs["picks"]["effect"][0] == picks[0]


def test_simulate_from_zero_needs_a_model_that_runs_zero_shot(hepg2_train):
    from pqstats.prioritise import simulate_screen

    with pytest.raises(ValueError, match="gene_frequency cannot run zero-shot"):
        simulate_screen("hepg2", n_initial=0, batch=5, n_rounds=1, n_perts=40,
                        model="gene_frequency", pairs=hepg2_train[["pert", "gene", "label"]])


def test_screen_list_says_it_has_no_labels(newline, capsys):
    capsys.readouterr()
    assert main(["screen", "list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("newline "))
    assert "HEK293T" in line and "readout genes only, no labels" in line
