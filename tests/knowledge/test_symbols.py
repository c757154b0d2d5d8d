"""Symbol normalisation: each resolution rule, deterministic tie-breaks, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from pqstats.knowledge import RESOLUTION_METHODS, SymbolMapper, load_symbol_mapper
from pqstats.knowledge.symbols import (
    AmbiguousGeneError,
    UnknownGeneError,
    UnmeasuredGeneError,
    resolve_gene_names,
)

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
    # None itself, not NaN (pandas 3's missing string), so `is None` checks hold
    assert mapper.normalise(["nope"])[0] is None
    assert mapper.from_ensembl(["ENSG00000999999"])[0] is None
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
def test_resolver_accepts_every_spelling_of_a_gene(mapper, name, symbol):
    assert resolve_gene_names([name], mapper) == [symbol]


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
def test_resolver_refuses_unknown_and_ambiguous_names(mapper, names, error, message):
    with pytest.raises(error, match=message) as info:
        resolve_gene_names(names, mapper)
    assert isinstance(info.value, ValueError)  # every gene-name error is a ValueError
    assert "AAA1" not in info.value.names


def test_resolver_writes_names_as_the_screen_does(mapper):
    # the screen calls AAA1 by its old name OLDA, and keeps a name the mapper finds
    # ambiguous (BBB) exactly as it wrote it
    among = ["OLDA", "BBB", "CCC3"]
    assert resolve_gene_names(["AAA1", "aaa1", "ENSG00000000001", "BBB", "ccc3", "4"],
                              mapper, among=among) == ["OLDA"] * 3 + ["BBB", "CCC3",
                                                                         "CCC3"]
    with pytest.raises(UnmeasuredGeneError, match=r"'EEE5' is not a gene the toy screen "
                                                  r"measured: never measured"):
        resolve_gene_names(["EEE5"], mapper, among=among,
                           where="a gene the toy screen measured", why=": never measured",
                           outside=UnmeasuredGeneError)
    with pytest.raises(UnmeasuredGeneError, match=r"'TF5' \(EEE5\) is not"):
        resolve_gene_names(["TF5"], mapper, among=among, outside=UnmeasuredGeneError)
