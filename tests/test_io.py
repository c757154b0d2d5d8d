"""Reading tables and gene lists (pqstats._io): files in the wrong form are named with the fix."""

from __future__ import annotations

import pytest

from pqstats._io import InputFileError, read_gene_list
from pqstats.cli import main
from tests._helpers import write_file


@pytest.mark.parametrize(("name", "content", "message"), [
    ("genes.txt", b"\x00\x01binary", r"genes\.txt: is a binary file \(it holds NUL bytes\), "
                                     r"not a gene list"),
    ("genes.txt", "# only a comment\n\n", r"no gene symbols found"),
    ("genes.txt", "TP53 MYC\nGAPDH 0.53\n", r"genes\.txt, line 2: '0\.53' is a number, not "
                                            r"a gene symbol"),
    ("genes.csv", "symbol_x,score\nTP53,1\n", r"has columns \['symbol_x', 'score'\] but none "
                                              r"named gene"),
    ("genes.csv", "gene\tscore\nTP53\t1\n", r"is tab-separated"),
])
def test_gene_list_files_in_the_wrong_form(tmp_path, name, content, message):
    with pytest.raises(InputFileError, match=message):
        read_gene_list(write_file(tmp_path, name, content))


def test_gene_lists_from_text_and_tables_agree(tmp_path):
    text = read_gene_list(write_file(tmp_path, "g.txt", "TP53, MYC;GAPDH\nMYC # again\n"))
    table = read_gene_list(write_file(tmp_path, "g.csv", "Gene ,score\nTP53,1\nMYC,2\nGAPDH,3\n"))
    assert text == table == ["TP53", "MYC", "GAPDH"]


@pytest.mark.parametrize("command", [
    ["predict", "--cell-line", "k562", "--pert", "MYC", "--genes", "{f}"],
    ["prioritise", "--cell-line", "k562", "--candidates", "{f}"],
    ["enrich", "{f}"],
])
def test_every_command_reads_gene_files_the_same_way(tmp_path, capsys, command):
    path = write_file(tmp_path, "genes.xlsx", b"PK\x03\x04 an Excel file")
    assert main([a.format(f=path) for a in command]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}: is a zip archive (an Excel .xlsx?), not a gene list" in err
