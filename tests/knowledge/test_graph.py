"""KnowledgeGraph and gene_sets built from the hand-written fixture bundle."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import networkx as nx
import pytest

from pqstats.knowledge import (
    GRAPH_SOURCES,
    LIBRARIES,
    SOURCES,
    build_knowledge_graph,
    gene_sets,
    go_annotations,
    load_go,
)
from pqstats.knowledge._cache import cache_dir, clear_memory

FX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test gets an empty cache folder."""
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))
    clear_memory()
    yield
    clear_memory()


def kg_fx(**kw):
    return build_knowledge_graph(bundle_dir=FX, **kw)


EXPECTED_EDGES = {
    ("AAA1", "BBB2", "ppi:bioplex", 0), ("AAA1", "DDD4", "ppi:bioplex", 0),
    ("EEE5", "FFF6", "ppi:bioplex", 0),
    ("AAA1", "CCC3", "ppi:huri", 0),
    ("AAA1", "CCC3", "ppi:string", 0), ("AAA1", "DDD4", "ppi:string", 0),
    ("AAA1", "FFF6", "ppi:string", 0),
    ("EEE5", "AAA1", "regulates:trrust", 0),   # activation and repression: conflicting
    ("EEE5", "BBB2", "regulates:trrust", 1),   # activation (+ unknown)
    ("EEE5", "CCC3", "regulates:trrust", 0),   # unknown
    ("EEE5", "DDD4", "regulates:trrust", -1),  # via the alias TF5
    ("AAA1", "CORUM:1", "complex:corum", 0), ("BBB2", "CORUM:1", "complex:corum", 0),
    ("CCC3", "CORUM:2", "complex:corum", 0), ("DDD4", "CORUM:2", "complex:corum", 0),
    ("EEE5", "CORUM:3", "complex:corum", 0),
    ("AAA1", "R-HSA-0000001", "pathway:reactome", 0),
    ("BBB2", "R-HSA-0000001", "pathway:reactome", 0),
    ("AAA1", "R-HSA-0000002", "pathway:reactome", 0),
    ("CCC3", "R-HSA-0000002", "pathway:reactome", 0),
    ("AAA1", "HALLMARK_TOY_ONE", "geneset:hallmark", 0),
    ("DDD4", "HALLMARK_TOY_ONE", "geneset:hallmark", 0),
    ("EEE5", "HALLMARK_TOY_TWO", "geneset:hallmark", 0),
    # GO, propagated along is_a / part_of (not regulates)
    ("AAA1", "GO:0000002", "go:BP", 0), ("AAA1", "GO:0000001", "go:BP", 0),
    ("AAA1", "GO:0008150", "go:BP", 0),
    ("BBB2", "GO:0000002", "go:BP", 0),  # annotated with the secondary id GO:0000098
    ("BBB2", "GO:0000003", "go:BP", 0), ("BBB2", "GO:0000001", "go:BP", 0),
    ("BBB2", "GO:0008150", "go:BP", 0),
    ("CCC3", "GO:0000006", "go:BP", 0), ("CCC3", "GO:0008150", "go:BP", 0),
    ("AAA1", "GO:0000004", "go:MF", 0), ("AAA1", "GO:0003674", "go:MF", 0),
    ("CCC3", "GO:0000005", "go:CC", 0), ("CCC3", "GO:0005575", "go:CC", 0),
}


def edge_set(kg):
    df = kg.edge_table()
    return set(zip(df["source"], df["target"], df["type"], df["sign"].astype(int),
                   strict=True))


def test_default_graph_exact():
    kg = kg_fx()
    assert edge_set(kg) == EXPECTED_EDGES
    assert kg.genes == ["AAA1", "BBB2", "CCC3", "DDD4", "EEE5", "FFF6"]
    assert kg.edge_counts() == {
        "ppi:bioplex": 3, "ppi:huri": 1, "ppi:string": 3, "regulates:trrust": 4,
        "complex:corum": 5, "pathway:reactome": 4, "geneset:hallmark": 3,
        "go:BP": 9, "go:CC": 2, "go:MF": 2}
    assert kg.node_counts() == {"gene": 6, "complex:corum": 3, "geneset:hallmark": 2,
                                "go:BP": 5, "go:CC": 2, "go:MF": 2, "pathway:reactome": 2}
    direct = kg.edge_table("go")
    assert sorted(direct.loc[direct["direct"], "target"]) == [
        "GO:0000002", "GO:0000002", "GO:0000003", "GO:0000004", "GO:0000005", "GO:0000006"]
    assert kg.term_label("R-HSA-0000002") == "Toy signalling by TGF beta"
    assert kg.term_type("GO:0000004") == "go:MF"
    assert kg.meta["symbols"]["reactome"]["unresolved_examples"] == ["gag"]
    assert kg.meta["symbols"]["huri"]["share"] == pytest.approx(5 / 6)


def test_views():
    kg = kg_fx()
    assert kg.neighbours("AAA1", "ppi") == {"BBB2", "CCC3", "DDD4", "FFF6"}
    assert kg.neighbours("OLDA", "ppi:string") == {"CCC3", "DDD4", "FFF6"}  # alias query
    assert kg.neighbours("EEE5", "regulates", direction="out") == {"AAA1", "BBB2", "CCC3",
                                                                   "DDD4"}
    assert kg.neighbours("AAA1", "regulates", direction="in") == {"EEE5"}
    assert kg.neighbours("AAA1", "regulates", direction="out") == set()
    assert kg.gene_neighbours("DDD4", ["complex", "geneset"]) == {"CCC3", "AAA1"}
    assert kg.gene_terms("AAA1", "go:BP") == {
        "GO:0000001": "toy cell process", "GO:0000002": "toy organelle upkeep",
        "GO:0008150": "biological_process"}
    assert kg.gene_terms("AAA1", "go", direct_only=True) == {
        "GO:0000002": "toy organelle upkeep", "GO:0000004": "toy binding"}
    assert kg.term_genes("CORUM:1") == {"AAA1", "BBB2"}
    assert kg.term_size("GO:0008150") == 3
    sets = kg.neighbour_sets("ppi:bioplex")
    assert sets == {"AAA1": {"BBB2", "DDD4"}, "BBB2": {"AAA1"}, "DDD4": {"AAA1"},
                    "EEE5": {"FFF6"}, "FFF6": {"EEE5"}}
    with pytest.raises(KeyError, match="not a gene of the knowledge graph"):
        kg.neighbours("C1orf1")  # a real gene, but without edges
    with pytest.raises(KeyError, match="no edge type matches 'nope'"):
        kg.neighbours("AAA1", "nope")


def test_adjacency_matches_edges():
    kg = kg_fx()
    mat, names = kg.adjacency("ppi")
    assert names == kg.nodes and mat.shape == (22, 22)
    assert (mat != mat.T).nnz == 0
    i, j = names.index("AAA1"), names.index("CCC3")
    assert mat[i, j] == 1.0
    counts, _ = kg.adjacency("ppi", binary=False)
    assert counts[i, j] == 2.0  # HuRI and STRING
    assert mat.nnz == 2 * 5  # five distinct gene pairs (two seen by two sources)
    g, gnames = kg.adjacency(genes_only=True, directed=True)
    assert gnames == kg.genes
    e, a = gnames.index("EEE5"), gnames.index("AAA1")
    assert g[e, a] == 1.0 and g[a, e] == 0.0  # TRRUST one-way when directed
    assert kg.index_of(["OLDA", "nope", "FFF6"]).tolist() == [0, -1, 5]


def test_to_networkx():
    kg = kg_fx()
    g = kg.to_networkx()
    assert isinstance(g, nx.MultiGraph)
    assert g.number_of_edges() == len(EXPECTED_EDGES)
    assert g.nodes["GO:0000004"] == {"kind": "term", "label": "toy binding", "type": "go:MF"}
    assert g.nodes["AAA1"]["label"] == "alpha toy protein"
    assert g.edges["AAA1", "EEE5", "regulates:trrust"]["tf"] == "EEE5"
    d = kg.to_networkx("ppi", directed=True)
    assert d.number_of_edges() == 2 * 7


def test_gene_text_exact():
    kg = kg_fx()
    assert kg.gene_text("OLDA") == (
        "AAA1 (alpha toy protein); also known as OLDA. Type: protein-coding.\n"
        "Biological process (GO): toy organelle upkeep.\n"
        "Molecular function (GO): toy binding.\n"
        "Reactome pathways: Toy pathway one; Toy signalling by TGF beta.\n"
        "Hallmark gene sets: HALLMARK_TOY_ONE.\n"
        "Protein complexes (CORUM): Toy AB complex.\n"
        "Physical interactors (bioplex, huri, string; 4 in total): CCC3; DDD4; BBB2; FFF6.\n"
        "Regulated by (TRRUST): EEE5 (unknown).")
    assert kg.gene_text("EEE5", max_interactors=2).splitlines()[-1] == (
        "Regulates (TRRUST): AAA1 (unknown); BBB2 (activation) (and 2 more).")
    assert kg.gene_text("C1ORF1") == (
        "C1orf1 (chromosome 1 open reading frame 1): no entries in the knowledge graph.")
    assert kg.gene_text("nope") == "nope: no record in NCBI Gene or the knowledge graph."


def test_options_hubs_term_sizes_iea_sources():
    # STRING hubs: AAA1 has 3 STRING partners
    kg = kg_fx(max_degree=2, hub_sources=("string",))
    assert kg.edge_counts().get("ppi:string", 0) == 0
    assert kg.meta["hubs_removed"] == {"string": 1}
    assert kg.edge_counts()["ppi:bioplex"] == 3  # other sources untouched
    # GO hubs: nodes with > 4 GO neighbours (AAA1 has 5 terms)
    kg = kg_fx(max_degree=4, hub_sources=("go",))
    go = kg.edge_table("go")
    assert sorted(set(go["source"])) == ["BBB2", "CCC3"] and len(go) == 8
    # term sizes: drop single-gene terms
    kg = kg_fx(min_term_size=2)
    assert sorted(kg.terms) == ["CORUM:1", "CORUM:2", "GO:0000001", "GO:0000002",
                                "GO:0008150", "HALLMARK_TOY_ONE", "R-HSA-0000001",
                                "R-HSA-0000002"]
    assert kg_fx(max_term_size=1).edge_counts()["go:BP"] == 2
    # IEA: AAA1's only MF annotation is electronic
    assert "go:MF" not in kg_fx(drop_iea=True).edge_counts()
    # regulates propagates CCC3's GO:0000006 to GO:0000002 and its ancestors
    kg = kg_fx(go_relations=("is_a", "part_of", "regulates"))
    assert set(kg.gene_terms("CCC3", "go:BP")) == {"GO:0000001", "GO:0000002", "GO:0000006",
                                                   "GO:0008150"}
    kg = kg_fx(sources=["bioplex", "wikipathways_2023", "chea_2022"])
    assert kg.edge_counts() == {"ppi:bioplex": 3, "geneset:chea_2022": 3,
                                "geneset:wikipathways_2023": 2}
    assert kg.gene_terms("C1orf1") == {"wikipathways_2023:Toy Pathway WP1": "Toy Pathway WP1"}
    with pytest.raises(ValueError, match="unknown graph source"):
        kg_fx(sources=["nope"])


def test_coverage():
    kg = kg_fx()
    # distinct names: AAA1, OLDA (= AAA1), FFF6 have edges; C1orf1 and gag do not
    cov = kg.coverage(["AAA1", "OLDA", "FFF6", "C1orf1", "gag", "AAA1"])
    assert cov["any"] == pytest.approx(3 / 5)
    assert cov["ppi:string"] == pytest.approx(3 / 5)
    assert cov["ppi:huri"] == pytest.approx(2 / 5)
    assert cov["go:CC"] == 0.0


def test_cache_hit_and_invalidation(tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(FX, bundle)
    t0 = time.perf_counter()
    first = build_knowledge_graph(bundle_dir=bundle)
    entries = sorted(p.name for p in cache_dir().glob("kg-*.pkl"))
    assert len(entries) == 1
    clear_memory()
    second = build_knowledge_graph(bundle_dir=bundle)  # from disk
    assert time.perf_counter() - t0 < 60
    assert edge_set(second) == edge_set(first)
    assert sorted(p.name for p in cache_dir().glob("kg-*.pkl")) == entries
    # an option change is a new entry
    build_knowledge_graph(bundle_dir=bundle, min_term_size=2)
    assert len(list(cache_dir().glob("kg-*.pkl"))) == 2
    # a changed source file is a new entry, and the change shows
    with open(bundle / "HuRI.tsv", "a") as fh:
        fh.write("ENSG00000000002\tENSG00000000005\n")
    stat = os.stat(bundle / "HuRI.tsv")
    os.utime(bundle / "HuRI.tsv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    changed = build_knowledge_graph(bundle_dir=bundle)
    assert len(list(cache_dir().glob("kg-*.pkl"))) == 3
    assert changed.edge_counts()["ppi:huri"] == 2
    # cache=False writes nothing
    n = len(list(cache_dir().glob("*.pkl")))
    build_knowledge_graph(bundle_dir=bundle, sources=["huri"], cache=False)
    assert len(list(cache_dir().glob("*.pkl"))) == n


def test_corrupt_cache_entry_is_rebuilt():
    kg_fx(sources=["bioplex"])
    (entry,) = cache_dir().glob("kg-*.pkl")
    entry.write_bytes(b"not a pickle")
    clear_memory()
    assert kg_fx(sources=["bioplex"]).edge_counts() == {"ppi:bioplex": 3}


def test_go_dag_and_annotations():
    dag = load_go(FX / "go-basic.obo")
    assert len(dag) == 9 and dag.index("GO:0000098") == dag.index("GO:0000002")
    assert dag.ancestors("GO:0000003") == {"GO:0000001", "GO:0008150"}
    assert dag.ancestors("GO:0000006", ("is_a", "regulates")) == {
        "GO:0008150", "GO:0000002", "GO:0000001"}
    closure = dag.closure()
    assert closure.diagonal().sum() == 9
    ann = go_annotations(obo=FX / "go-basic.obo", gene2go=FX / "gene2go_human.tsv",
                         gene_info=FX / "Homo_sapiens.gene_info", propagate=False)
    assert len(ann) == 6 and ann["direct"].all()


def test_gene_sets_fixture():
    assert set(LIBRARIES) == {"go_bp", "go_mf", "go_cc", "reactome", "hallmark", "corum",
                              "enrichr_go_bp_2023", "wikipathways_2023", "chea_2022"}
    gs = gene_sets("go_bp", bundle_dir=FX)
    assert gs == {
        "toy cell process (GO:0000001)": {"AAA1", "BBB2"},
        "toy organelle upkeep (GO:0000002)": {"AAA1", "BBB2"},
        "toy subprocess (GO:0000003)": {"BBB2"},
        "regulation of toy organelle upkeep (GO:0000006)": {"CCC3"},
        "biological_process (GO:0008150)": {"AAA1", "BBB2", "CCC3"},
    }
    assert gene_sets("go_mf", bundle_dir=FX, evidence_exclude=("IEA",)) == {}
    assert gene_sets("reactome", bundle_dir=FX) == {
        "Toy pathway one (R-HSA-0000001)": {"AAA1", "BBB2"},
        "Toy signalling by TGF beta (R-HSA-0000002)": {"AAA1", "CCC3"}}
    assert gene_sets("corum", bundle_dir=FX, min_size=2) == {
        "Toy AB complex (CORUM:1)": {"AAA1", "BBB2"},
        'Toy "quoted" CD complex (CORUM:2)': {"CCC3", "DDD4"}}
    assert gene_sets("wikipathways_2023", bundle_dir=FX) == {
        "Toy Pathway WP1": {"AAA1", "C1orf1"}}
    # background: restricted, and written in the background's spelling
    assert gene_sets("go_bp", background=["OLDA", "CCC3", "zzz"], bundle_dir=FX,
                     min_size=2) == {"biological_process (GO:0008150)": {"OLDA", "CCC3"}}
    assert gene_sets("hallmark", bundle_dir=FX, max_size=1) == {"HALLMARK_TOY_TWO": {"EEE5"}}
    with pytest.raises(KeyError, match="unknown gene-set library"):
        gene_sets("kegg", bundle_dir=FX)


def test_manifest():
    assert set(GRAPH_SOURCES) <= set(SOURCES)
    assert SOURCES["corum"].non_commercial and "NON-COMMERCIAL" in SOURCES["corum"].licence
    assert not SOURCES["go"].non_commercial
    assert {s.kind for s in SOURCES.values()} == {
        "ontology", "annotation", "ppi", "complex", "pathway", "regulatory", "gene sets"}
    assert sum(len(s.files) for s in SOURCES.values()) == 14
    for s in SOURCES.values():
        for f in s.files:
            assert f.subdir == "knowledge" and len(f.sha256) == 64
            assert f.url.startswith("http")
    assert all(s.version for s in SOURCES.values())


def test_cli_kg_build_and_text(capsys):
    import argparse

    from pqstats.cli.kg import add_kg

    parser = argparse.ArgumentParser()
    add_kg(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["kg", "build", "--bundle-dir", str(FX), "--min-term-size", "2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "ppi:bioplex" in out and "6 genes, 8 terms" in out
    args = parser.parse_args(["kg", "text", "--bundle-dir", str(FX), "TF5"])
    assert args.func(args) == 0
    assert capsys.readouterr().out.startswith("EEE5 (epsilon transcription factor)")
