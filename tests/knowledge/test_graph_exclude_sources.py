"""Leaving a knowledge source (CORUM, non-commercial) out of the models' graph."""

from __future__ import annotations

import json

import pytest

from pqstats import cli
from pqstats._settings import (
    EXCLUDE_SOURCES_ENV,
    SettingError,
)
from pqstats.knowledge.graph import (
    DEFAULT_GRAPH_SOURCES,
    EXCLUDE_ENV,
    build_knowledge_graph,
    default_graph_sources,
)
from tests._helpers import error_lines


def test_default_sources_without_the_variable(monkeypatch):
    monkeypatch.delenv(EXCLUDE_ENV, raising=False)
    assert default_graph_sources() == DEFAULT_GRAPH_SOURCES
    assert "corum" in DEFAULT_GRAPH_SOURCES


@pytest.mark.parametrize(("value", "left_out"), [
    ("corum", {"corum"}),
    (" CORUM , trrust ", {"corum", "trrust"}),
    ("corum,", {"corum"}),
    ("", set()),
])
def test_variable_leaves_sources_out(monkeypatch, value, left_out):
    monkeypatch.setenv(EXCLUDE_ENV, value)
    assert set(DEFAULT_GRAPH_SOURCES) - set(default_graph_sources()) == left_out


@pytest.mark.parametrize(("value", "message"), [
    ("corrum", r"unknown source\(s\) \['corrum'\]"),
    (",".join(DEFAULT_GRAPH_SOURCES), "leaves no knowledge source"),
])
def test_variable_rejects_bad_values(monkeypatch, value, message):
    monkeypatch.setenv(EXCLUDE_ENV, value)
    with pytest.raises(ValueError, match=message):
        default_graph_sources()


def test_report_lists_only_the_sources_used(monkeypatch):
    from pqstats.report import knowledge_versions

    monkeypatch.setenv(EXCLUDE_ENV, "corum")
    assert "corum" not in set(knowledge_versions().source)
    monkeypatch.delenv(EXCLUDE_ENV)
    assert "corum" in set(knowledge_versions().source)


@pytest.mark.integration
def test_graph_and_models_leave_corum_out(monkeypatch):
    import pqstats.features.pairs as pairs_module
    import pqstats.knowledge.graph as graph_module

    monkeypatch.setenv(EXCLUDE_ENV, "corum")
    kg = build_knowledge_graph()
    assert "corum" not in kg.meta["sources"]
    assert "complex:corum" not in kg.edge_types
    assert not [t for t in kg.terms if t.startswith("CORUM:")]
    # the graph the features and models load is the same one
    monkeypatch.setattr(graph_module, "_DEFAULT_GRAPH", None)
    assert "complex:corum" not in pairs_module.load_graph().edge_types
    monkeypatch.setattr(graph_module, "_DEFAULT_GRAPH", None)  # later tests rebuild the default
    # explicit sources are used as given
    assert "complex:corum" in build_knowledge_graph(sources=DEFAULT_GRAPH_SOURCES).edge_types


@pytest.mark.integration
def test_benchmark_cache_keeps_runs_with_and_without_corum_apart(counted_fits, monkeypatch):
    import pqstats.benchmark as bm

    monkeypatch.delenv(EXCLUDE_ENV, raising=False)
    calls = counted_fits
    kw = dict(datasets=["k562_set"], tasks=["dir"], models=["random"], n_boot=10, seeds=1,
              progress=False)
    bm.run_benchmark(**kw)
    bm.run_benchmark(**kw)
    assert len(calls) == 1
    monkeypatch.setenv(EXCLUDE_ENV, "corum")
    bm.run_benchmark(**kw)
    assert len(calls) == 2  # a graph without CORUM is a different input
    bm.run_benchmark(**kw)
    assert len(calls) == 2


@pytest.mark.integration
def test_models_read_your_own_knowledge_files(tmp_path, monkeypatch):
    """PQSTATS_KNOWLEDGE_DIR: the default graph (hence every model) reads your folder."""
    from pqstats.fit_cache import _knowledge_key
    from pqstats.knowledge import KNOWLEDGE_DIR_ENV, SOURCES, fetch_source

    monkeypatch.delenv(EXCLUDE_ENV, raising=False)
    for name in ("go", "gene2go", "gene_info", "bioplex", "string", "huri", "corum",
                 "reactome", "hallmark"):
        for path in fetch_source(name):
            (tmp_path / path.name).symlink_to(path)
    trrust = SOURCES["trrust"].files[0].name  # your own TRRUST: two regulations
    (tmp_path / trrust).write_text("MYC\tCDK4\tActivation\t1\nTP53\tCDKN1A\tActivation\t2\n")
    assert _knowledge_key() == {}
    monkeypatch.setenv(KNOWLEDGE_DIR_ENV, str(tmp_path))
    kg = build_knowledge_graph(cache=False)  # leave no cache entry of a test graph
    assert kg.edge_counts()["regulates:trrust"] == 2
    key = _knowledge_key()
    assert set(key["knowledge_files"]) >= {"trrust", "go", "gene_info"}


# ---------------------------------------------- invalid input: the PQSTATS_EXCLUDE_SOURCES setting
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
    err = error_lines(capsys)
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
    err = error_lines(capsys)[0]
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
