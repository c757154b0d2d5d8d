"""Readers of the knowledge formats: exact parses of tiny fixtures, clear errors."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from pqstats.knowledge import (
    KnowledgeFormatError,
    SymbolMapper,
    read_bioplex,
    read_corum,
    read_gene2go,
    read_gene_info,
    read_gmt,
    read_gmt_records,
    read_huri,
    read_obo,
    read_string,
    read_string_info,
    read_trrust,
)

FX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"


@pytest.fixture(scope="module")
def mapper() -> SymbolMapper:
    return SymbolMapper.from_file(FX / "Homo_sapiens.gene_info")


# ------------------------------------------------------------------- exact parses
def test_read_obo_fixture():
    g = read_obo(FX / "go-basic.obo")
    assert sorted(g.nodes) == [
        "GO:0000001", "GO:0000002", "GO:0000003", "GO:0000004", "GO:0000005",
        "GO:0000006", "GO:0003674", "GO:0005575", "GO:0008150",
    ]  # the obsolete GO:0000007 is left out
    assert sorted(g.edges(keys=True)) == [
        ("GO:0000001", "GO:0008150", "is_a"),
        ("GO:0000002", "GO:0000001", "is_a"),
        ("GO:0000003", "GO:0000001", "part_of"),
        ("GO:0000004", "GO:0003674", "is_a"),
        ("GO:0000005", "GO:0005575", "is_a"),
        ("GO:0000006", "GO:0000002", "regulates"),
        ("GO:0000006", "GO:0008150", "is_a"),
    ]
    assert g.nodes["GO:0000002"]["name"] == "toy organelle upkeep"
    assert g.nodes["GO:0000002"]["alt_id"] == ["GO:0000098"]
    assert g.nodes["GO:0000004"]["namespace"] == "molecular_function"
    assert g.graph["data-version"] == "releases/2022-07-01"


def test_read_obo_gzip_same_as_plain(tmp_path):
    gz = tmp_path / "go-basic.obo.gz"
    gz.write_bytes(gzip.compress((FX / "go-basic.obo").read_bytes()))
    a, b = read_obo(gz), read_obo(FX / "go-basic.obo")
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))


def test_read_gene2go_fixture(mapper):
    df = read_gene2go(FX / "gene2go_human.tsv", mapper=mapper)
    assert df["GeneID"].tolist() == [1, 1, 2, 2, 4, 4, 999]  # mouse row dropped
    assert df["GO_ID"].tolist()[:4] == ["GO:0000002", "GO:0000004", "GO:0000003",
                                        "GO:0000098"]
    assert df["aspect"].tolist() == ["BP", "MF", "BP", "BP", "CC", "BP", "BP"]
    assert df["symbol"].tolist() == ["AAA1", "AAA1", "BBB2", "BBB2", "CCC3", "CCC3", None]
    assert df["GeneID"].dtype == np.int64
    no_iea = read_gene2go(FX / "gene2go_human.tsv", evidence_exclude=("IEA",))
    assert len(no_iea) == 6 and "IEA" not in set(no_iea["Evidence"])
    every_taxon = read_gene2go(FX / "gene2go_human.tsv", tax_id=None)
    assert len(every_taxon) == 8


def test_read_gene_info_fixture():
    df = read_gene_info(FX / "Homo_sapiens.gene_info")
    assert df["Symbol"].tolist() == ["AAA1", "BBB2", "BBB2P1", "CCC3", "DDD4", "C1orf1",
                                     "EEE5", "FFF6", "COX1"]
    assert df["GeneID"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 4512]
    assert df.columns[0] == "tax_id" and len(df.columns) == 16
    assert df.loc[1, "Synonyms"] == "SHARED|BBB"


def test_read_gmt_fixture(mapper):
    recs = read_gmt_records(FX / "ReactomePathways.gmt")
    assert [(r.name, r.description, r.genes, r.line) for r in recs] == [
        ("Toy-pathway-one", "R-HSA-0000001", ("AAA1", "BBB2", "gag"), 1),
        ("Toy--signalling-by-TGF-beta", "R-HSA-0000002", ("CCC3", "OLDA"), 2),
    ]
    assert read_gmt(FX / "ReactomePathways.gmt") == {
        "Toy-pathway-one": ["AAA1", "BBB2", "gag"],
        "Toy--signalling-by-TGF-beta": ["CCC3", "OLDA"],
    }
    # with the mapper: viral 'gag' dropped, the old symbol OLDA becomes AAA1
    assert read_gmt(FX / "ReactomePathways.gmt", mapper=mapper) == {
        "Toy-pathway-one": ["AAA1", "BBB2"],
        "Toy--signalling-by-TGF-beta": ["CCC3", "AAA1"],
    }
    # Enrichr style: empty description
    assert read_gmt(FX / "WikiPathway_2023_Human.gmt", mapper=mapper) == {
        "Toy Pathway WP1": ["AAA1", "C1orf1"]}


def test_read_bioplex_fixture(mapper):
    df = read_bioplex(FX / "BioPlex_293T_Network_10K_Dec_2019.tsv", mapper=mapper)
    assert df["GeneA"].tolist() == [1, 2, 99999, 4, 7]
    assert df["SymbolB"].tolist() == ["BBB2", "AAA1", "DDD4", "CCC3", "FFF6"]
    assert df["pInt"].tolist() == [0.99, 0.98, 0.9, 1.0, 0.25]
    # unknown Entrez id 99999 falls back to its symbol OLDA, an alias of AAA1
    assert df["symbolA"].tolist() == ["AAA1", "BBB2", "AAA1", "CCC3", "EEE5"]


def test_read_string_fixture(mapper):
    links = FX / "9606.protein.physical.links.v12.0.min900.txt"
    info = FX / "9606.protein.info.v12.0.min.txt"
    bare = read_string(links)
    assert bare.columns.tolist() == ["protein1", "protein2"] and len(bare) == 3
    df = read_string(links, info, mapper=mapper)
    got = sorted(zip(df["symbol1"], df["symbol2"], strict=True), key=str)
    # ENSP003 has two preferred names -> two rows; ENSP005 has none -> None
    assert got == [("AAA1", "CCC3"), ("AAA1", "DDD4"), ("AAA1", "FFF6"), ("EEE5", None)]
    assert read_string_info(info)["preferred_name"].tolist() == [
        "AAA1", "CCC3", "DDD4", "FFF6", "EEE5"]


def test_read_huri_fixture(mapper):
    df = read_huri(FX / "HuRI.tsv", mapper=mapper)
    assert df["ensembl2"].tolist() == ["ENSG00000000004", "ENSG00000000006",
                                       "ENSG00000000099"]  # version suffix removed
    assert df["symbol1"].tolist() == ["AAA1", "DDD4", "BBB2"]
    assert df["symbol2"].tolist() == ["CCC3", "DDD4", None]


def test_read_huri_tolerates_a_header_line(tmp_path):
    p = tmp_path / "HuRI.tsv"
    p.write_text("A\tB\n" + (FX / "HuRI.tsv").read_text())
    assert len(read_huri(p)) == 3


def test_read_corum_fixture(mapper):
    df = read_corum(FX / "corum_humanComplexes.txt", mapper=mapper)
    assert df["ComplexID"].tolist() == [1, 2, 3]
    assert df["ComplexName"].tolist()[1] == 'Toy "quoted" CD complex'  # no quote handling
    assert df["genes"].tolist() == [["AAA1", "BBB2"], ["CCC3", "DDD4"], ["EEE5"]]
    assert df["entrez"].tolist() == [[1, 2], [4, None, 5], [7]]
    assert df["symbols"].tolist() == [["AAA1", "BBB2"], ["CCC3", "DDD4"], ["EEE5"]]
    assert len(df.columns) == 23


def test_read_trrust_fixture(mapper):
    df = read_trrust(FX / "trrust_rawdata.human.tsv", mapper=mapper)
    assert df["sign"].tolist() == [1, -1, 1, 0, -1, 0]
    assert df["pmids"].tolist()[2] == "113;114"
    assert df["tf_symbol"].tolist() == ["EEE5"] * 6  # TF5 is an alias of EEE5


# -------------------------------------------------------------- malformed input
G2G_HEAD = "#tax_id\tGeneID\tGO_ID\tEvidence\tQualifier\tGO_term\tPubMed\tCategory\n"
G2G_ROW = "9606\t1\tGO:0000002\tIDA\tinvolved_in\ttoy\t-\tProcess\n"
OBO_HEAD = "format-version: 1.2\n\n"


def _term(i: str, ns: str = "biological_process", extra: str = "") -> str:
    return f"[Term]\nid: {i}\nname: term {i}\nnamespace: {ns}\n" + (
        f"{extra}\n\n" if extra else "\n")


BAD_FILES = [
    # (file name, content, reader, message regex, line)
    ("gene2go", G2G_HEAD + G2G_ROW + "9606\t2\tGO:0000003\tIDA\n", read_gene2go,
     r"expected 8 tab-separated fields.*found 4 \(the line looks truncated\)", 3),
    ("gene2go", G2G_HEAD + G2G_ROW.replace("\n", "\textra\n"), read_gene2go,
     r"expected 8 tab-separated fields.*found 9", 2),
    ("gene2go", G2G_HEAD + G2G_ROW + G2G_ROW.replace("Process", "Pathway"), read_gene2go,
     r"unknown GO category \(namespace\): 'Pathway'", 3),
    ("gene2go", G2G_HEAD + G2G_ROW.replace("GO:0000002", "GO:2"), read_gene2go,
     r"malformed GO id: 'GO:2'", 2),
    ("gene2go", "tax\tgene\n", read_gene2go, r"not a gene2go header", 1),
    ("obo", OBO_HEAD + _term("GO:0000001") + _term("GO:0000002", ns="biological_thing"),
     read_obo, r"term GO:0000002 has unknown namespace 'biological_thing'", 11),
    ("obo", OBO_HEAD + _term("GO:0000001", extra="is_a: GO:0000009 ! missing"), read_obo,
     r"GO:0000001 is_a GO:0000009, but GO:0000009 is not defined", 7),
    ("obo", OBO_HEAD + _term("GO:0000001", extra="is_a GO:0000002"), read_obo,
     r"not an OBO 'tag: value' line: 'is_a GO:0000002'", 7),
    ("obo", "format-version: 1.2\n", read_obo, r"no \[Term\] stanza found", None),
    ("obo", OBO_HEAD + _term("GO:0000001") + "[Term]\nname: nameless\n", read_obo,
     r"\[Term\] stanza without an 'id:' line", 8),
    ("obo", OBO_HEAD + _term("GO:0000001", extra="is_a: GO:0000002").rstrip("\n") + "\n"
     + _term("GO:0000002"), read_obo, r"stanza header \[Term\] does not follow a blank", 8),
    ("gmt", "set1\tdesc\tA\tB\nset2\n", read_gmt,
     r"a GMT line needs a name, a description and genes, found 1 field", 2),
    ("gmt", "set1\tdesc\tA\nset1\tdesc\tB\n", read_gmt,
     r"gene-set name 'set1' repeats line 1", 2),
    ("trrust", "TF\tT\tActivation\t1\nTF\tT\tActivates\t2\n", read_trrust,
     r"unknown regulation mode: 'Activates'", 2),
    ("trrust", "TF\tT\tActivation\t1\nTF\tT\tRepression\n", read_trrust,
     r"expected 4 tab-separated fields.*found 3 \(the line looks truncated\)", 2),
    ("huri", "ENSG00000000001\tENSG00000000002\nENSG00000000001\tP53\n", read_huri,
     r"not an Ensembl gene id: 'P53'", 2),
    ("huri", "ENSG00000000001\tENSG00000000002\nENSG00000000001\n", read_huri,
     r"expected 2 tab-separated fields.*found 1", 2),
    ("string", "p1 p2\n9606.A 9606.B\n", read_string, r"not a STRING links header", 1),
    ("string", "protein1 protein2\n9606.A 9606.B\n9606.A\n", read_string,
     r"expected 2 space-separated fields.*found 1 \(the line looks truncated\)", 3),
    ("bioplex", "GeneA\tGeneB\n1\t2\n", read_bioplex, r"not a BioPlex header", 1),
    ("gene_info", "#tax_id\tGeneID\n9606\t1\n", read_gene_info, r"not a gene_info header", 1),
    ("corum", "ComplexID\tComplexName\n1\tx\n", read_corum,
     r"missing column\(s\) subunits\(Gene name\)", 1),
    ("corum", "ComplexID\tComplexName\tsubunits(Gene name)\nC1\tx\tA;B\n", read_corum,
     r"ComplexID is not an integer: 'C1'", 2),
]


@pytest.mark.parametrize(("kind", "content", "reader", "message", "line"), BAD_FILES,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_FILES)])
def test_malformed_files_name_file_and_line(tmp_path, kind, content, reader, message, line):
    path = tmp_path / f"bad_{kind}.txt"
    path.write_text(content)
    with pytest.raises(KnowledgeFormatError, match=message) as info:
        reader(path)
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err)
    assert err.line == line
    if line is not None:
        assert f"line {line}:" in str(err)
    assert "Fix:" in str(err)


def test_cycle_error_points_at_a_relation_line(tmp_path):
    path = tmp_path / "cycle.obo"
    path.write_text(OBO_HEAD + _term("GO:0000001", extra="is_a: GO:0000002")
                    + _term("GO:0000002", extra="is_a: GO:0000001"))
    with pytest.raises(KnowledgeFormatError, match=r"the relations form a cycle: "
                       r"GO:000000([12]) -> GO:000000[12] -> GO:000000\1") as info:
        read_obo(path)
    assert info.value.path == str(path)
    assert info.value.line in (7, 13)
    assert path.read_text().splitlines()[info.value.line - 1].startswith("is_a:")


def test_truncated_gzip_is_reported(tmp_path):
    data = gzip.compress((FX / "trrust_rawdata.human.tsv").read_bytes() * 50)
    path = tmp_path / "trrust.tsv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(KnowledgeFormatError, match="gzip stream is truncated or corrupt"):
        read_trrust(path)


def test_non_utf8_is_reported_with_line(tmp_path):
    path = tmp_path / "x.gmt"
    path.write_bytes(b"set1\t\tA\nset2\t\t\xff\xfe\n")
    with pytest.raises(KnowledgeFormatError, match="not UTF-8") as info:
        read_gmt(path)
    assert info.value.line == 2


def test_blank_lines_and_crlf_are_tolerated(tmp_path):
    src = (FX / "trrust_rawdata.human.tsv").read_text()
    path = tmp_path / "t.tsv"
    path.write_bytes(src.replace("\n", "\r\n").replace("116\r\n", "116\r\n\r\n").encode())
    assert len(read_trrust(path)) == 6


def test_uncompressed_twin_and_gz_read_alike(tmp_path):
    shutil.copy(FX / "gene2go_human.tsv", tmp_path / "g.tsv")
    (tmp_path / "g.tsv.gz").write_bytes(gzip.compress((FX / "gene2go_human.tsv").read_bytes()))
    a = read_gene2go(tmp_path / "g.tsv")
    b = read_gene2go(tmp_path / "g.tsv.gz")
    assert a.equals(b)
