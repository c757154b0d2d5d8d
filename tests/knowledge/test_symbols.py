"""Symbol normalisation: each resolution rule, deterministic tie-breaks, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from pqstats.knowledge import RESOLUTION_METHODS, SymbolMapper, load_symbol_mapper

FX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"


@pytest.fixture(scope="module")
def mapper() -> SymbolMapper:
    return SymbolMapper.from_file(FX / "Homo_sapiens.gene_info")


@pytest.mark.parametrize(("query", "symbol", "method", "candidates"), [
    ("AAA1", "AAA1", "symbol", 1),
    ("OLDA", "AAA1", "synonym", 1),
    ("4", "CCC3", "entrez", 1),
    (4, "CCC3", "entrez", 1),
    ("ENSG00000000004", "CCC3", "ensembl", 1),
    ("ENSG00000000006.2", "DDD4", "ensembl", 1),  # version suffix ignored
    ("MT-CO1", "COX1", "mitochondrial", 1),
    ("C1ORF1", "C1orf1", "orf-case", 1),
    # BBB: BBB2 and BBB2P1 both start with the query -> protein-coding wins
    ("BBB", "BBB2", "synonym", 2),
    # SHARED: BBB2 and CCC3, neither a prefix, both coding -> lowest GeneID
    ("SHARED", "BBB2", "synonym", 2),
    ("aaa1", None, "unresolved", 0),  # no general case folding
    ("gag", None, "unresolved", 0),
    ("999", None, "unresolved", 0),
    ("ENSG00000000099", None, "unresolved", 0),
    ("-", None, "unresolved", 0),
    (None, None, "unresolved", 0),
])
def test_resolution_rules(mapper, query, symbol, method, candidates):
    row = mapper.resolve([query]).iloc[0]
    assert row["symbol"] == symbol
    assert row["method"] == method
    assert row["candidates"] == candidates


def test_ensembl_hints_break_ties_and_rescue(mapper):
    res = mapper.resolve(["SHARED", "NOVEL1", "AAA1"],
                         ensembl_hints={"SHARED": "ENSG00000000004",
                                        "NOVEL1": "ENSG00000000005",
                                        "AAA1": "ENSG00000000002"})
    assert res["symbol"].tolist() == ["CCC3", "DDD4", "AAA1"]  # an exact symbol wins
    assert res["method"].tolist() == ["ensembl-hint", "ensembl-hint", "symbol"]


def test_normalise_and_helpers(mapper):
    assert mapper.normalise(["OLDA", "nope", "BBB2"]) == ["AAA1", None, "BBB2"]
    assert mapper.normalise_one("TF5") == "EEE5"
    assert mapper.from_entrez([1, 4512, 77]) == ["AAA1", "COX1", None]
    assert mapper.from_ensembl(["ENSG00000198804", "ENSG00000000001.5"]) == ["COX1", "AAA1"]
    assert "AAA1" in mapper and "OLDA" not in mapper
    assert len(mapper) == 9
    assert mapper.describe("BBB2") == {
        "gene_id": 2, "symbol": "BBB2", "name": "beta toy protein",
        "synonyms": ["SHARED", "BBB"], "type": "protein-coding", "chromosome": "2"}
    assert mapper.describe("OLDA") is None


def test_report_counts_methods(mapper):
    rep = mapper.report(["AAA1", "AAA1", "OLDA", "SHARED", "MT-CO1", "gag", "zzz"])
    assert rep["n"] == 6
    assert rep["resolved"] == pytest.approx(4 / 6)
    assert {m: rep[m] for m in RESOLUTION_METHODS} == {
        "symbol": 1, "entrez": 0, "ensembl": 0, "mitochondrial": 1, "synonym": 2,
        "orf-case": 0, "ensembl-hint": 0, "unresolved": 2}
    assert rep["ambiguous"] == 1
    assert rep["unresolved_examples"] == ["gag", "zzz"]


def test_load_symbol_mapper_is_cached_per_file():
    a = load_symbol_mapper(FX / "Homo_sapiens.gene_info")
    assert load_symbol_mapper(FX / "Homo_sapiens.gene_info") is a
