"""Leaving a knowledge source (CORUM, non-commercial) out of the models' graph."""

from __future__ import annotations

import pytest

from pqstats.knowledge.graph import (
    DEFAULT_GRAPH_SOURCES,
    EXCLUDE_ENV,
    build_knowledge_graph,
    default_graph_sources,
)


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
