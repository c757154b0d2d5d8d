"""The real knowledge bundle: counts from PROVENANCE.md, the graph, PerturbQA coverage.

All graph checks share one build (session fixture), which is read from the on-disk cache
after the first run.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from pqstats.knowledge import (
    build_knowledge_graph,
    fetch_source,
    gene_sets,
    go_annotations,
    load_go,
    load_symbol_mapper,
    read_bioplex,
    read_corum,
    read_gene_info,
    read_gmt,
    read_huri,
    read_string,
    read_string_info,
    read_trrust,
)

pytestmark = pytest.mark.integration


def _fetch(name):
    # a missing bundle is a failure with the fetch error's fix, never a skip
    return fetch_source(name)


@pytest.fixture(scope="session")
def kg():
    _fetch("gene_info")
    t0 = time.perf_counter()
    graph = build_knowledge_graph()
    graph.meta.setdefault("test_seconds", time.perf_counter() - t0)
    return graph


# ------------------------------------------------------------ PROVENANCE.md counts
def test_go_counts():
    dag = load_go(_fetch("go")[0])
    assert len(dag) == 43_558
    assert len(dag.child) == 85_713
    rel = {r: int((dag.relation == r).sum()) for r in set(dag.relation)}
    assert rel == {"is_a": 70_058, "part_of": 6_997, "regulates": 3_184,
                   "negatively_regulates": 2_742, "positively_regulates": 2_732}
    assert {a: int((dag.aspects == a).sum()) for a in ("BP", "MF", "CC")} == {
        "BP": 28_140, "MF": 11_238, "CC": 4_180}
    assert dag.version == "releases/2022-07-01"


def test_gene2go_counts():
    ann = go_annotations(propagate=False)
    assert len(ann) == 300_448  # distinct gene-term pairs
    assert ann["symbol"].nunique() == 20_728
    assert ann["term"].nunique() == 18_933


def test_gene_info_and_table_counts():
    gi = read_gene_info(_fetch("gene_info")[0])
    assert len(gi) == 77_614
    assert (gi["type_of_gene"] == "protein-coding").sum() == 20_598
    assert gi["dbXrefs"].str.contains("Ensembl:").sum() == 36_596
    bp = read_bioplex(_fetch("bioplex")[0])
    assert len(bp) == 118_162
    assert len(set(bp["SymbolA"]) | set(bp["SymbolB"])) == 13_957
    links, info = _fetch("string")
    st = read_string(links)
    assert len(st) == 44_931
    assert len(set(st["protein1"]) | set(st["protein2"])) == 8_706
    assert len(read_string_info(info)) == 17_613
    hu = read_huri(_fetch("huri")[0], mapper=load_symbol_mapper())
    assert len(hu) == 52_548
    ens = set(hu["ensembl1"]) | set(hu["ensembl2"])
    assert len(ens) == 8_272
    mapped = set(hu.loc[hu["symbol1"].notna(), "ensembl1"]) | set(
        hu.loc[hu["symbol2"].notna(), "ensembl2"])
    assert len(mapped) == 8_232
    tr = read_trrust(_fetch("trrust")[0])
    assert len(tr) == 9_396 and tr["tf"].nunique() == 795
    assert tr["mode"].value_counts().to_dict() == {"Unknown": 4_325, "Activation": 3_149,
                                                   "Repression": 1_922}
    co = read_corum(_fetch("corum")[0])
    assert len(co) == 3_694 and len(co.columns) == 20 + 2
    # PROVENANCE's 4,424 subunit symbols include CORUM's placeholder "None"
    assert len({g for gs in co["genes"] for g in gs}) == 4_424 - 1


@pytest.mark.parametrize(("source", "n_sets", "n_genes"), [
    ("reactome", 2_504, 11_387), ("hallmark", 50, 4_384),
    ("enrichr_go_bp_2023", 5_407, 14_698), ("wikipathways_2023", 801, 8_044),
    ("chea_2022", 757, 18_365),
])
def test_gmt_counts(source, n_sets, n_genes):
    sets = read_gmt(_fetch(source)[0])
    assert len(sets) == n_sets
    assert len({g for gs in sets.values() for g in gs}) == n_genes


# ------------------------------------------------------------ the graph
def test_graph_counts(kg):
    assert kg.edge_counts() == {
        "ppi:bioplex": 117_950, "ppi:huri": 51_659, "ppi:string": 39_951,
        "regulates:trrust": 8_388, "complex:corum": 14_823, "pathway:reactome": 119_471,
        "geneset:hallmark": 7_305, "go:BP": 579_703, "go:CC": 89_419, "go:MF": 106_257}
    assert kg.node_counts() == {
        "gene": 20_071, "complex:corum": 3_691, "geneset:hallmark": 50, "go:BP": 15_477,
        "go:CC": 1_955, "go:MF": 4_913, "pathway:reactome": 2_490}
    assert kg.meta["hubs_removed"] == {"go": 349, "string": 0}
    # every source resolves almost all of its identifiers to a symbol
    shares = {s: r["share"] for s, r in kg.meta["symbols"].items()}
    assert min(shares.values()) > 0.91  # STRING: 694 network proteins have no name
    assert shares["go"] == 1.0 and shares["huri"] > 0.995


def test_gene_index_is_unique(kg):
    # pandas 3 gave unresolved GMT genes as NaN, not None; they became edges to the last
    # symbol of the vocabulary ('DGCR5' twice), and the graph pair features then failed
    genes = pd.Index(kg.genes)
    assert genes.is_unique and pd.Index(kg.nodes).is_unique
    assert all(isinstance(g, str) and g for g in kg.genes)


def test_graph_views_real(kg):
    assert "GO:0005515" not in kg.nodes  # "protein binding": a hub, removed
    assert {"MDM2", "MDM4"} <= kg.neighbours("TP53", "ppi")
    assert "CDKN1A" in kg.neighbours("TP53", "regulates", direction="out")
    assert kg.resolve("GARS") == "GARS1" and kg.resolve("MT-CO1") == "COX1"
    assert "GO:0032543" in kg.gene_terms("MRPL12", "go:BP")
    mat, names = kg.adjacency("ppi", genes_only=True)
    assert mat.shape == (20_071, 20_071) and (mat != mat.T).nnz == 0
    text = kg.gene_text("TP53")
    assert text.startswith("TP53 (tumor protein p53)")
    assert kg.gene_text("TP53") == text  # deterministic


def test_warm_build_is_fast(kg):
    t0 = time.perf_counter()
    again = build_knowledge_graph()
    assert time.perf_counter() - t0 < 5.0
    assert again.edge_counts() == kg.edge_counts()


def test_perturbqa_coverage_floor(kg):
    from pqstats.screens.coverage import coverage_table, symbol_coverage_table

    cov = coverage_table(kg)
    assert not cov.empty, "no PerturbQA dataset available: set PQSTATS_MIRROR"
    perts = cov[cov["what"] == "perts"].set_index("dataset")["any"]
    assert (perts >= 0.97).all(), perts.to_dict()
    genes = cov[cov["what"] == "genes"].set_index("dataset")["any"]
    assert (genes >= 0.97).all(), genes.to_dict()
    sym = symbol_coverage_table()
    assert (sym["resolved"] >= 0.999).all()


def test_real_gene_sets():
    counts = {lib: len(gene_sets(lib)) for lib in ("go_bp", "reactome", "hallmark", "corum")}
    assert counts == {"go_bp": 15_706, "reactome": 2_490, "hallmark": 50, "corum": 3_691}
    bp = gene_sets("go_bp")
    assert "mitochondrial translation (GO:0032543)" in bp
    assert "MRPL12" in bp["mitochondrial translation (GO:0032543)"]
    bg = gene_sets("go_bp", background=["GARS", "TP53"], min_size=1)
    assert any("GARS" in g for g in bg.values())
