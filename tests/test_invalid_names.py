"""Bad input never gives a wrong answer: gene names, settings and numbers (issue 14).

Invalid-input tables in the pertpy style: one row per bad input, each with the error and
the words its message must contain; beside them, positive tables showing that a lower-case
name, an alias and an Ensembl id give exactly the result of the official symbol.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pqstats import cli
from pqstats._fetch import DataUnavailableError, RemoteFile, fetch_file
from pqstats._settings import (
    DATA_ENV,
    EXCLUDE_SOURCES_ENV,
    KNOWLEDGE_DIR_ENV,
    MIRROR_ENV,
    SettingError,
    data_dir,
    mirror_dir,
)
from pqstats.knowledge.symbols import (
    AmbiguousGeneError,
    SymbolMapper,
    UnknownGeneError,
    UnmeasuredGeneError,
    resolve_gene_names,
)

FX = Path(__file__).parent / "fixtures" / "knowledge"


@pytest.fixture(scope="module")
def toy_mapper() -> SymbolMapper:
    return SymbolMapper.from_file(FX / "Homo_sapiens.gene_info")


@pytest.fixture(scope="module")
def kg():
    from pqstats.features.pairs import load_graph

    return load_graph()


def _err_lines(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


# ======================================================================= gene names
# --- the resolver on a tiny gene_info ---------------------------------------------------
@pytest.mark.parametrize(("name", "symbol"), [
    ("AAA1", "AAA1"),
    ("aaa1", "AAA1"),               # lower case
    ("  AAA1 ", "AAA1"),            # stray spaces
    ("OLDA", "AAA1"),               # alias
    ("olda", "AAA1"),
    ("ENSG00000000001", "AAA1"),    # Ensembl id
    ("ensg00000000001", "AAA1"),
    ("1", "AAA1"),                  # Entrez id
    ("c1orf1", "C1orf1"),           # open reading frame, any case
    ("mt-co1", "COX1"),             # HGNC mitochondrial name
])
def test_resolver_accepts_every_spelling_of_a_gene(toy_mapper, name, symbol):
    assert resolve_gene_names([name], toy_mapper) == [symbol]


@pytest.mark.parametrize(("names", "error", "message"), [
    (["SHARED"], AmbiguousGeneError, r"'SHARED' is ambiguous: it names 2 genes \(BBB2, CCC3\)"),
    (["bbb"], AmbiguousGeneError, r"'bbb' is ambiguous.*BBB2, BBB2P1"),
    (["AAA2"], UnknownGeneError, r"'AAA2' is not an NCBI gene.*did you mean AAA1\?"),
    (["EEE"], UnknownGeneError, r"'EEE' is not an NCBI gene"),
    ([""], UnknownGeneError, r"an empty gene name"),
    (["   "], UnknownGeneError, r"an empty gene name"),
    (["ENSG00000000099"], UnknownGeneError, r"'ENSG00000000099' is not"),
    # every bad name of a list at once, good ones not mentioned
    (["AAA1", "AAA2", "ZZZ9", "SHARED"], UnknownGeneError,
     r"3 gene names cannot be used: 'AAA2'.*AAA1\?\); 'ZZZ9'.*; 'SHARED' is ambiguous"),
])
def test_resolver_refuses_unknown_and_ambiguous_names(toy_mapper, names, error, message):
    with pytest.raises(error, match=message) as info:
        resolve_gene_names(names, toy_mapper)
    assert isinstance(info.value, ValueError)  # every gene-name error is a ValueError
    assert "AAA1" not in info.value.names


def test_resolver_writes_names_as_the_screen_does(toy_mapper):
    # the screen calls AAA1 by its old name OLDA, and keeps a name the mapper finds
    # ambiguous (BBB) exactly as it wrote it
    among = ["OLDA", "BBB", "CCC3"]
    assert resolve_gene_names(["AAA1", "aaa1", "ENSG00000000001", "BBB", "ccc3", "4"],
                              toy_mapper, among=among) == ["OLDA"] * 3 + ["BBB", "CCC3",
                                                                         "CCC3"]
    with pytest.raises(UnmeasuredGeneError, match=r"'EEE5' is not a gene the toy screen "
                                                  r"measured: never measured"):
        resolve_gene_names(["EEE5"], toy_mapper, among=among,
                           where="a gene the toy screen measured", why=": never measured",
                           outside=UnmeasuredGeneError)
    with pytest.raises(UnmeasuredGeneError, match=r"'TF5' \(EEE5\) is not"):
        resolve_gene_names(["TF5"], toy_mapper, among=among, outside=UnmeasuredGeneError)


# --- the same resolver behind predict / explain / prioritise (real data) -----------------
def test_perturbation_and_readout_spellings_resolve_alike(kg):
    from pqstats.predict import (
        readout_genes,
        resolve_perturbations,
        resolve_readout_genes,
        screen_perturbations,
    )

    screened = screen_perturbations("rpe1")
    assert resolve_perturbations(kg, ["MYC", "myc", "MRTL", "ENSG00000136997", " MYC "],
                                 screened) == ["MYC"] * 5
    # a gene no screen perturbed (allowed: scored from the graph) resolves the same way
    assert resolve_perturbations(kg, ["tp53", "P53", "ENSG00000141510"],
                                 screened) == ["TP53"] * 3
    # the screen's outdated symbol is kept: CARS1 is the screen's CARS
    assert "CARS" in screened and "CARS1" not in screened
    assert resolve_perturbations(kg, ["CARS1", "cars1", "CARS"], screened) == ["CARS"] * 3
    assert "GARS" in readout_genes("rpe1")
    assert resolve_readout_genes("rpe1", ["GARS1", "gars1", "GARS", "mrtl"], kg) == [
        "GARS", "GARS", "GARS", "MYC"]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: _predict("NOTAGENE1"), UnknownGeneError,
     r"'NOTAGENE1' is not a gene of the knowledge graph"),
    (lambda: _predict("SAP"), AmbiguousGeneError, r"'SAP' is ambiguous.*\(APCS, SH2D1A\)"),
    (lambda: _predict("MYC", genes=["MYC", "NOTAGENE1", "sap", "GAPDHX"]), UnknownGeneError,
     r"3 readout names cannot be used: 'NOTAGENE1'.*'sap' is ambiguous.*'GAPDHX'.*did you "
     r"mean GAPDH"),
    # a real gene the screen never measured is refused, not scored at the base rate
    (lambda: _predict("MYC", genes=["INS"]), UnmeasuredGeneError,
     r"'INS' is not a readout gene of the rpe1 training split: no training knockdown "
     r"measured it"),
    (lambda: _explain("k562", "MYC", "TP53"), UnmeasuredGeneError,
     r"not a readout gene of the k562 training split"),
    (lambda: _explain("k562", "MYC", "MRTLX"), UnknownGeneError,
     r"'MRTLX' is not a readout gene of the k562 training split \(no NCBI symbol"),
    (lambda: _explain("k562", "NOTAGENE1", "MYC"), UnknownGeneError, r"knowledge graph"),
    (lambda: _explain("k562_set", "MYC", "MYC"), UnmeasuredGeneError,
     r"not a readout gene programme of the k562_set training split"),
    (lambda: _prioritise(["TP53", "NOTAGENE1", "notagene2", "SAP"]), UnknownGeneError,
     r"3 candidate names cannot be used: 'NOTAGENE1'.*'notagene2'.*'SAP' is ambiguous"),
    (lambda: _prioritise(["TP53"], genes=["INS", "MYC"]), UnmeasuredGeneError,
     r"'INS' is not a readout gene of the rpe1"),
])
def test_screen_functions_refuse_bad_gene_names(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _predict(pert, genes=None):
    from pqstats.predict import predict_knockdown

    return predict_knockdown("rpe1", pert, genes=genes, model="knn_retrieval")


def _explain(dataset, pert, gene):
    from pqstats.explain import explain

    return explain(dataset, pert, gene, model="knn_retrieval")


def _prioritise(candidates, **kwargs):
    from pqstats.prioritise import prioritise

    return prioritise("rpe1", candidates, model="knn_retrieval", **kwargs)


def _k562_test_pert() -> str:
    from pqstats.screens import load_pairs

    pairs = load_pairs("k562", "de")
    return sorted(pairs.loc[pairs["split"] == "test", "pert"].unique())[0]


@pytest.mark.parametrize("alias", ["MRTL", "myc", " MYC ", "ENSG00000136997", "c-Myc"])
def test_explain_scores_an_alias_exactly_as_its_symbol(alias):
    # issue 14: MRTL was looked up literally and scored 0.13 where MYC scored 0.82
    pert = _k562_test_pert()
    ref = _explain("k562", pert, "MYC")
    got = _explain("k562", pert, alias)
    assert got.gene == "MYC" and got.score == ref.score
    assert np.isfinite(got.base_rate) and got.base_rate == ref.base_rate
    pd.testing.assert_frame_equal(got.contributions, ref.contributions)


def test_predict_and_prioritise_resolve_aliases_to_identical_results():
    from pqstats.predict import readout_genes

    genes = readout_genes("rpe1")[:50]
    ref = _predict("TP53", genes=genes)
    for name in ("tp53", "P53", "ENSG00000141510"):
        pd.testing.assert_frame_equal(_predict(name, genes=genes), ref)
    aliased = _predict("TP53", genes=[g.lower() for g in genes])
    pd.testing.assert_frame_equal(aliased, ref)
    ranked = _prioritise(["myc", "ENSG00000141510", "gata1", "MRTL"])
    assert sorted(ranked["pert"]) == ["GATA1", "MYC", "TP53"]  # MRTL is MYC again
    ref = _prioritise(["MYC", "TP53", "GATA1"])
    pd.testing.assert_frame_equal(ranked.sort_values("pert").reset_index(drop=True),
                                  ref.sort_values("pert").reset_index(drop=True))


def test_gene_text_strict_resolves_like_everything_else(kg):
    assert kg.gene_text("myc", strict=True) == kg.gene_text("MYC")
    assert kg.gene_text("MRTL", strict=True) == kg.gene_text("MYC")
    with pytest.raises(AmbiguousGeneError, match="TAFAZZIN, WWTR1"):
        kg.gene_text("TAZ", strict=True)
    with pytest.raises(UnknownGeneError, match="did you mean MYC"):
        kg.gene_text("MYCX", strict=True)


# --- the same on the command line ---------------------------------------------------------
def test_cli_kg_text_and_summer_prompt_resolve_aliases(capsys):
    assert cli.main(["kg", "text", "MYC", "TP53"]) == 0
    ref = capsys.readouterr().out
    assert cli.main(["kg", "text", "mrtl", "ENSG00000141510"]) == 0
    assert capsys.readouterr().out == ref
    assert cli.main(["summer", "prompt", "MYC", "MYC", "--dataset", "rpe1"]) == 0
    ref = capsys.readouterr().out
    assert cli.main(["summer", "prompt", "mrtl", " c-Myc ", "--dataset", "rpe1"]) == 0
    assert capsys.readouterr().out == ref


def test_cli_explain_alias_equals_symbol(capsys):
    pert = _k562_test_pert()
    base = ["explain", "--cell-line", "k562", "--pert", pert, "--model", "knn_retrieval",
            "--json", "--gene"]
    assert cli.main([*base, "MYC"]) == 0
    ref = json.loads(capsys.readouterr().out)
    assert cli.main([*base, "MRTL"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["gene"] == "MYC" and got["score"] == ref["score"]


@pytest.mark.parametrize(("argv", "message"), [
    (["kg", "text", "MYC", "NOTAGENE1", "TAZ"],
     r"pqstats kg text: error: 2 gene names cannot be used: 'NOTAGENE1'.*'TAZ' is ambiguous"),
    (["predict", "--cell-line", "rpe1", "--pert", "NOTAGENE1", "--model", "knn_retrieval"],
     r"pqstats predict: error: 'NOTAGENE1' is not a gene of the knowledge graph"),
    (["predict", "--cell-line", "rpe1", "--pert", "sap", "--model", "knn_retrieval"],
     r"pqstats predict: error: 'sap' is ambiguous: it names 2 genes \(APCS, SH2D1A\)"),
    (["explain", "--cell-line", "k562", "--pert", "MYC", "--gene", "TP53", "--model",
      "knn_retrieval"], r"pqstats explain: error: 'TP53' is not a readout gene of the k562"),
    (["summer", "prompt", "MYC", "NOTAGENE1"],
     r"pqstats summer prompt: error: 'NOTAGENE1' is not a readout gene of the k562 "),
    (["summer", "prompt", "NOTAGENE1", "MYC"],
     r"pqstats summer prompt: error: 'NOTAGENE1' is not a gene of the knowledge graph"),
])
def test_cli_refuses_bad_gene_names_in_one_line(capsys, argv, message):
    assert cli.main(argv) == 2
    err = _err_lines(capsys)
    if err[0].startswith("loading the knowledge graph"):  # kg's progress note
        err = err[1:]
    assert len(err) == 2 and err[1].startswith("hint:")
    assert re.match(message, err[0]), err[0]


def test_cli_files_of_genes_report_every_bad_name(tmp_path, capsys):
    genes = tmp_path / "genes.txt"
    genes.write_text("MYC\n mrtl \nNOTAGENE1\nTP53\nGAPDHX\n")
    assert cli.main(["predict", "--cell-line", "rpe1", "--pert", "MYC", "--genes", str(genes),
                     "--model", "knn_retrieval"]) == 2
    err = _err_lines(capsys)[0]
    assert "2 readout names cannot be used" in err and "'NOTAGENE1'" in err
    assert "did you mean GAPDH" in err and "MYC'" not in err and "mrtl" not in err
    cands = tmp_path / "cands.txt"
    cands.write_text("TP53\nNOTAGENE1\nNOTAGENE2\n")
    assert cli.main(["prioritise", "--cell-line", "rpe1", "--candidates", str(cands),
                     "--model", "knn_retrieval"]) == 2
    err = _err_lines(capsys)[0]
    assert "2 candidate names cannot be used" in err
    assert "'NOTAGENE1'" in err and "'NOTAGENE2'" in err


# ======================================================================= settings
@pytest.mark.parametrize(("argv", "value"), [
    (["enrich", "GENES"], "corun"),
    (["enrich", "GENES", "--libraries", "hallmark"], "corum,trust"),
    (["kg", "stats"], "corun"),
    (["kg", "text", "MYC"], "CORUM,stirng"),
    (["benchmark", "--datasets", "k562_set", "--tasks", "dir", "--models", "prior",
      "--n-boot", "10", "--out", "OUT"], "corun"),
    (["gse", "--no-semantic", "--out", "OUT"], "corun"),
])
def test_a_typo_in_the_excluded_sources_is_refused(tmp_path, monkeypatch, capsys, argv,
                                                   value):
    genes = tmp_path / "genes.txt"
    genes.write_text("MYC\nMAX\n")
    argv = [str(genes) if a == "GENES" else str(tmp_path / "out") if a == "OUT" else a
            for a in argv]
    monkeypatch.setenv(EXCLUDE_SOURCES_ENV, value)
    assert cli.main(argv) == 2
    err = _err_lines(capsys)
    assert "unknown source(s)" in err[-2] and "did you mean" in err[-2]
    assert err[-1] == "hint: fix or unset the named PQSTATS_* environment variable"
    assert not (tmp_path / "out").exists()  # a run that did nothing wrote nothing


def test_enrich_defaults_honour_the_exclusion_and_refuse_it_by_name(tmp_path, monkeypatch,
                                                                    capsys):
    genes = tmp_path / "genes.txt"
    genes.write_text("PSMA1 PSMA2 PSMA3 PSMA4 PSMB1 PSMB2 PSMC1 PSMD1\n")
    monkeypatch.delenv(EXCLUDE_SOURCES_ENV, raising=False)
    assert cli.main(["enrich", str(genes), "--json", "--top", "500"]) == 0
    assert "corum" in {r["Gene_set"] for r in json.loads(capsys.readouterr().out)}
    monkeypatch.setenv(EXCLUDE_SOURCES_ENV, "corum")
    assert cli.main(["enrich", str(genes), "--json", "--top", "500"]) == 0
    libraries = {r["Gene_set"] for r in json.loads(capsys.readouterr().out)}
    assert "corum" not in libraries and "go_cc" in libraries
    assert cli.main(["enrich", str(genes), "--libraries", "hallmark,corum"]) == 2
    err = _err_lines(capsys)[0]
    assert "library 'corum' is excluded by PQSTATS_EXCLUDE_SOURCES=corum" in err


def test_excluded_libraries_in_python(monkeypatch):
    from pqstats.enrichment import PQSTATS_LIBRARIES, describe_clusters, ora
    from pqstats.knowledge.genesets import allowed_libraries

    monkeypatch.setenv(EXCLUDE_SOURCES_ENV, "corum, go")
    assert allowed_libraries(PQSTATS_LIBRARIES) == [
        "reactome", "hallmark", "enrichr_go_bp_2023", "wikipathways_2023"]
    for library in ("corum", "go_bp", "go_cc"):
        with pytest.raises(SettingError, match=f"'{library}' is excluded by "
                                               "PQSTATS_EXCLUDE_SOURCES"):
            ora(["PSMA1", "PSMA2"], library, background=["PSMA1", "PSMA2", "MYC"])
    # the paper's baseline is GO + CORUM + Reactome: it says why it cannot run
    with pytest.raises(ValueError, match=r"baseline needs the libraries go_bp, go_mf, go_cc, "
                                         r"corum \(go_bp, go_mf, go_cc, corum left out by"):
        describe_clusters({"c": ["PSMA1"]}, "baseline",
                          libraries={"reactome": {"x": {"PSMA1"}}}, background=["PSMA1"],
                          normalise=False)


def test_gse_default_methods_skip_the_baseline_when_corum_is_excluded(monkeypatch):
    import pqstats.enrichment as enrichment

    seen = {}

    def fake_run_gse(methods, **kwargs):
        seen["methods"] = list(methods)
        raise RuntimeError("stop")

    monkeypatch.setattr(enrichment, "run_gse", fake_run_gse)
    monkeypatch.setenv(EXCLUDE_SOURCES_ENV, "corum")
    assert cli.main(["gse", "--no-semantic"]) == 2
    assert seen["methods"] == ["pvalue", "bonferroni", "consensus", "single"]
    monkeypatch.setenv(EXCLUDE_SOURCES_ENV, "reactome")  # the single rule's library
    assert cli.main(["gse", "--no-semantic"]) == 2
    assert "single" not in seen["methods"]
    monkeypatch.delenv(EXCLUDE_SOURCES_ENV)
    assert cli.main(["gse", "--no-semantic"]) == 2
    assert seen["methods"][0] == "baseline"


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
    err = _err_lines(capsys)
    assert err[-2].startswith("pqstats kg text: error: " + message.format(path=path))
    assert err[-1] == "hint: fix or unset the named PQSTATS_* environment variable"


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


def test_unreadable_cached_model_is_refitted(tmp_path, monkeypatch, capsys):
    import pqstats.predict as predict

    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.setattr(predict, "_MODELS", {})
    first = predict.screen_model("k562_set", "dir", "gene_frequency")
    path = next((tmp_path / "cache" / "models").glob("*.joblib"))
    path.write_bytes(b"not a pickle")
    monkeypatch.setattr(predict, "_MODELS", {})
    again = predict.screen_model("k562_set", "dir", "gene_frequency")
    assert "unreadable" in capsys.readouterr().err
    pairs = first.train_pairs_[["pert", "gene"]].head(20)
    np.testing.assert_array_equal(first.score_pairs(pairs), again.score_pairs(pairs))


# ======================================================================= numbers
_NUMBER_CASES = [
    (["benchmark", "--n-boot", "-5"], "--n-boot", "must be at least 1, got -5"),
    (["benchmark", "--n-boot", "0"], "--n-boot", "must be at least 1, got 0"),
    (["score", "p.csv", "--dataset", "k562", "--task", "de", "--n-boot", "-1"], "--n-boot",
     "at least 1"),
    (["enrich", "g.txt", "--top", "0"], "--top", "must be at least 1, got 0"),
    (["enrich", "g.txt", "--top", "2.5"], "--top", "expected a whole number, got '2.5'"),
    (["enrich", "g.txt", "--min-size", "0"], "--min-size", "at least 1"),
    (["enrich", "g.txt", "--max-size", "-10"], "--max-size", "at least 1"),
    (["gse", "--top", "-1"], "--top", "at least 1"),
    (["cv", "--dataset", "k562", "--task", "de", "--model", "prior", "--folds", "1"],
     "--folds", "must be at least 2, got 1"),
    (["cv", "--dataset", "k562", "--task", "de", "--model", "prior", "--n-jobs", "0"],
     "--n-jobs", "at least 1"),
    (["cv", "--dataset", "k562", "--task", "de", "--model", "prior", "--seed", "-1"],
     "--seed", "must be at least 0"),
    (["predict", "--cell-line", "k562", "--pert", "MYC", "--top", "0"], "--top", "at least 1"),
    (["predict", "--cell-line", "k562", "--pert", "MYC", "--n-themes", "-2"], "--n-themes",
     "at least 1"),
    (["explain", "--cell-line", "k562", "--pert", "MYC", "--gene", "MYC", "--neighbours",
      "0"], "--neighbours", "at least 1"),
    (["explain", "--cell-line", "k562", "--pert", "MYC", "--gene", "MYC", "--paths", "-1"],
     "--paths", "at least 1"),
    (["prioritise", "--cell-line", "k562", "--candidates", "c.txt", "--budget", "0"],
     "--budget", "must be at least 1, got 0"),
    (["prioritise", "--cell-line", "k562", "--candidates", "c.txt", "--budget", "-3"],
     "--budget", "got -3"),
    (["kg", "stats", "--max-degree", "-1"], "--max-degree", "must be at least 0"),
    (["kg", "build", "--min-term-size", "0"], "--min-term-size", "at least 1"),
    (["summer", "run", "--samples", "0"], "--samples", "at least 1"),
    (["summer", "run", "--n-pairs", "1"], "--n-pairs", "must be at least 2, got 1"),
    (["summer", "run", "--examples", "-1"], "--examples", "must be at least 0"),
    (["summer", "run", "--temperature", "-0.5"], "--temperature", "at least 0"),
    (["summer", "run", "--temperature", "nan"], "--temperature", "finite"),
    (["summer", "run", "--timeout", "0"], "--timeout", "greater than 0"),
    (["summer", "run", "--n-boot", "-1"], "--n-boot", "at least 1"),
    (["summer", "prompt", "MYC", "MYC", "--examples", "-2"], "--examples", "at least 0"),
]


@pytest.mark.parametrize(("argv", "option", "message"), _NUMBER_CASES,
                         ids=[" ".join(c[0][:1] + c[0][-2:]) for c in _NUMBER_CASES])
def test_cli_refuses_numbers_out_of_range(capsys, argv, option, message):
    assert cli.main(argv) == 2
    err = _err_lines(capsys)
    prog = "pqstats " + " ".join(argv[:2] if argv[0] in ("kg", "summer") else argv[:1])
    assert err[0].startswith(f"{prog}: error: argument {option}: ")
    assert message in err[0]
    assert len(err) == 2 and err[1] == f"hint: `{prog} -h` lists the options and their ranges"


def _tiny_pairs() -> pd.DataFrame:
    return pd.DataFrame({"pert": ["a", "b", "a", "b"], "gene": ["g", "g", "h", "h"],
                         "label": [0, 1, 1, 0]})


@pytest.mark.parametrize(("call", "message"), [
    (lambda: _evaluate(n_boot=-1), r"n_boot must be at least 0, got -1"),
    (lambda: _evaluate(n_boot=2.5), r"n_boot must be a whole number, got 2.5"),
    (lambda: _bootstrap(n_boot=0), r"n_boot must be at least 1, got 0"),
    (lambda: _bootstrap(confidence=1.5), r"confidence must be strictly between 0 and 1"),
    (lambda: _bootstrap(confidence=0), r"confidence must be strictly between 0 and 1"),
    (lambda: _themes(top=0), r"top must be at least 1, got 0"),
    (lambda: _themes(top=-3), r"top must be at least 1, got -3"),
    (lambda: _prioritise(["TP53"], budget=0), r"budget must be at least 1, got 0"),
    (lambda: _prioritise(["TP53"], budget=1.5), r"budget must be a whole number"),
    (lambda: _benchmark(n_boot=-1), r"n_boot must be at least 1, got -1"),
    (lambda: _benchmark(n_boot=True), r"n_boot must be a whole number, got True"),
    (lambda: _simulate(batch=0), r"batch must be at least 1, got 0"),
    (lambda: _simulate(n_rounds=-1), r"n_rounds must be at least 0, got -1"),
    (lambda: _simulate(strong_quantile=1.0), r"strong_quantile must be strictly between"),
    (lambda: _explain_n(n_neighbours=0), r"n_neighbours must be at least 1, got 0"),
    (lambda: _explain_n(max_paths=-1), r"max_paths must be at least 1, got -1"),
])
def test_python_functions_refuse_numbers_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _evaluate(n_boot):
    from pqstats.evaluation import evaluate

    return evaluate(_tiny_pairs(), [0.1, 0.9, 0.8, 0.2], n_boot=n_boot)


def _bootstrap(n_boot=100, confidence=0.95):
    from pqstats.evaluation import bootstrap_ci

    return bootstrap_ci([0.5, 0.6, 0.7], n_boot=n_boot, confidence=confidence)


def _themes(top):
    from pqstats.predict import responder_themes

    table = pd.DataFrame({"gene": ["MYC", "MAX"], "p_de": [0.9, 0.1], "lift": [0.2, 0.0]})
    return responder_themes(table, top=top)


def _benchmark(n_boot):
    from pqstats.benchmark import run_benchmark

    return run_benchmark(datasets=["k562_set"], tasks=["dir"], models=["prior"],
                         n_boot=n_boot, progress=False)


def _simulate(**kwargs):
    from pqstats.prioritise import simulate_screen

    return simulate_screen("rpe1", pairs=_tiny_pairs(), **kwargs)


def _explain_n(**kwargs):
    from pqstats.explain import explain

    return explain("k562", "MYC", "MYC", model="knn_retrieval", **kwargs)
