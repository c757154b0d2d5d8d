"""pqstats.enrichment.ora against scipy, statsmodels and gseapy on the same inputs."""

from __future__ import annotations

import logging
from math import comb

import gseapy as gp  # noqa: E402 (the reference implementation, a dev dependency)
import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact, hypergeom
from statsmodels.stats.multitest import multipletests

from pqstats._io import InputFileError
from pqstats.cli import main
from pqstats.enrichment import GSEAPY_COLUMNS, ORA_COLUMNS, EnrichmentWarning, ora

logging.getLogger("gseapy").setLevel(logging.ERROR)

RTOL = 1e-12


@pytest.fixture(scope="module")
def toy():
    """A 600-gene background, two libraries of random sets, three query lists."""
    rng = np.random.default_rng(11)
    bg = [f"G{i:04d}" for i in range(600)]
    extra = [f"X{i}" for i in range(30)]  # symbols outside the background
    lib_a = {
        f"A{j}": list(rng.choice(bg + extra, rng.integers(2, 120), replace=False))
        for j in range(150)
    }
    lib_b = {
        f"B{j}": list(rng.choice(bg, rng.integers(5, 60), replace=False)) for j in range(80)
    }
    queries = {
        "q1": list(rng.choice(bg, 25, replace=False)) + ["X1", "X2"],
        "q2": list(rng.choice(bg[:200], 12, replace=False)),
        "q3": list(rng.choice(bg, 60, replace=False)),
    }
    return bg, {"lib_a": lib_a, "lib_b": lib_b}, queries


def _gseapy(genes, sets: dict, bg) -> pd.DataFrame:
    """gseapy.enrich in local mode; a list of dicts names them gs_ind_0, gs_ind_1..."""
    return gp.enrich(gene_list=list(genes), gene_sets=list(sets.values()), background=list(bg),
                     outdir=None, no_plot=True).res2d


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def test_hand_computed_example():
    # N=10, K=4, n=3, k=2: P(X>=2) = (C(4,2)C(6,1) + C(4,3)C(6,0)) / C(10,3) = 40/120
    bg = [f"g{i}" for i in range(10)]
    res = ora(["g0", "g1", "g5"], {"S": ["g0", "g1", "g2", "g3"]}, bg)
    row = res.iloc[0]
    assert list(res.columns) == ORA_COLUMNS
    assert (row["k"], row["K"], row["n"], row["N"]) == (2, 4, 3, 10)
    assert row["Overlap"] == "2/4" and row["Genes"] == "g0;g1"
    expected = (comb(4, 2) * comb(6, 1) + comb(4, 3) * comb(6, 0)) / comb(10, 3)
    assert row["P-value"] == pytest.approx(expected, rel=RTOL)
    assert row["Odds Ratio"] == pytest.approx(2.5 * 5.5 / (2.5 * 1.5), rel=RTOL)
    assert row["Combined Score"] == pytest.approx(-np.log(expected) * 2.5 * 5.5 / 3.75,
                                                  rel=RTOL)


def test_pvalues_equal_scipy_hypergeom_and_fisher(toy):
    bg, libs, queries = toy
    res = ora(queries["q1"], libs, bg)
    assert len(res) > 50
    ref = hypergeom.sf(res["k"] - 1, res["N"], res["K"], res["n"])
    assert _rel(res["P-value"], ref) <= RTOL
    for _, r in res.iterrows():
        k, K, n, N = r["k"], r["K"], r["n"], r["N"]
        table = [[k, K - k], [n - k, N - K - n + k]]
        assert r["P-value"] == pytest.approx(fisher_exact(table, alternative="greater")[1],
                                             rel=RTOL)


@pytest.mark.parametrize("query", ["q1", "q2", "q3"])
def test_matches_gseapy_enrich(toy, query):
    bg, libs, queries = toy
    mine = ora(queries[query], {"gs_ind_0": libs["lib_a"], "gs_ind_1": libs["lib_b"]}, bg,
               family="overlapping")
    ref = _gseapy(queries[query], libs, bg)
    assert list(mine.columns[: len(GSEAPY_COLUMNS)]) == list(ref.columns)
    merged = mine.merge(ref, on=["Gene_set", "Term"], suffixes=("", "_gp"), validate="1:1")
    assert len(merged) == len(mine) == len(ref)
    for col in ["P-value", "Adjusted P-value", "Odds Ratio", "Combined Score"]:
        assert _rel(merged[col], merged[col + "_gp"]) <= RTOL, col
    assert (merged["Overlap"] == merged["Overlap_gp"]).all()
    assert all(set(a.split(";")) == set(b.split(";"))
               for a, b in zip(merged["Genes"], merged["Genes_gp"], strict=True))


def test_family_tested_is_bh_over_every_tested_set(toy):
    bg, libs, queries = toy
    lib = libs["lib_a"]
    res = ora(queries["q1"], lib, bg, family="tested", min_size=3)
    bgs = set(bg)
    q = set(queries["q1"]) & bgs
    terms, pvals = [], []
    for term, genes in lib.items():  # an explicit loop over every set, as a reference
        s = set(genes) & bgs
        if len(s) < 3:
            continue
        terms.append(term)
        pvals.append(hypergeom.sf(len(q & s) - 1, len(bgs), len(s), len(q)))
    bh = dict(zip(terms, multipletests(pvals, method="fdr_bh")[1], strict=True))
    bonf = dict(zip(terms, np.minimum(1.0, np.asarray(pvals) * len(pvals)), strict=True))
    assert res.attrs["libraries"]["gs_ind_0"]["n_tested"] == len(terms)
    assert _rel(res["Adjusted P-value"], res["Term"].map(bh)) <= RTOL
    assert _rel(res["Bonferroni P-value"], res["Term"].map(bonf)) <= RTOL
    # the gseapy family (overlapping sets only) is never more conservative
    loose = ora(queries["q1"], lib, bg, family="overlapping", min_size=3)
    assert (loose["Adjusted P-value"].to_numpy() <= res["Adjusted P-value"].to_numpy()).all()


def test_many_lists_equal_one_at_a_time(toy):
    bg, libs, queries = toy
    both = ora(queries, libs, bg)
    assert both.columns[0] == "Query"
    assert list(both["Query"].unique()) == list(queries)
    for name, genes in queries.items():
        alone = ora(genes, libs, bg)
        part = both[both["Query"] == name].drop(columns="Query").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)
    numbered = ora(list(queries.values()), libs, bg)
    assert list(numbered["Query"].unique()) == [0, 1, 2]


def test_sorted_by_pvalue_and_sizes_filter(toy):
    bg, libs, queries = toy
    res = ora(queries["q3"], libs, bg, min_size=10, max_size=40)
    assert res["P-value"].is_monotonic_increasing
    assert res["K"].between(10, 40).all()
    K = {t: len(set(g) & set(bg)) for t, g in libs["lib_a"].items()}
    assert res.attrs["libraries"]["lib_a"]["n_tested"] == sum(10 <= v <= 40 for v in K.values())
    assert res.attrs["libraries"]["lib_a"]["n_sets"] == len(libs["lib_a"])


def test_background_drops_genes_and_reports_share(toy):
    bg, libs, queries = toy
    res = ora(queries["q1"], libs, bg)
    info = res.attrs["queries"][0]
    assert info == {"n_input": 27, "n_unique": 27, "n_in_background": 25,
                    "share_mapped": 25 / 27}
    assert not res["Genes"].str.contains("X").any()
    assert (res["n"] == 25).all() and (res["N"] == len(bg)).all()
    # K counts only the set's genes inside the background
    K = {t: len(set(g) & set(bg)) for t, g in libs["lib_a"].items()}
    sub = res[res["Gene_set"] == "lib_a"]
    assert (sub["K"] == sub["Term"].map(K)).all()


def test_duplicate_genes_count_once():
    bg = [f"g{i}" for i in range(50)]
    sets = {"S": ["g1", "g1", "g2", "g3", "g3", "g4"], "T": ["g10", "g11", "g1"]}
    res = ora(["g1", "g1", "g2", "g30", "g2"], sets, bg, family="overlapping")
    ref = _gseapy(["g1", "g1", "g2", "g30", "g2"], {"x": sets}, bg)
    row = res.set_index("Term").loc["S"]
    assert (row["k"], row["K"], row["n"]) == (2, 4, 3)
    assert res.attrs["queries"][0]["n_unique"] == 3
    m = res.merge(ref, on="Term", suffixes=("", "_gp"))
    assert len(m) == len(ref) == 2
    assert _rel(m["P-value"], m["P-value_gp"]) <= RTOL
    assert _rel(m["Odds Ratio"], m["Odds Ratio_gp"]) <= RTOL


def test_set_larger_than_background():
    bg = [f"g{i}" for i in range(20)]
    sets = {"ALL": bg + [f"x{i}" for i in range(100)], "S": ["g0", "g1", "g2"]}
    res = ora(["g0", "g1", "g7"], sets, bg, family="overlapping")
    ref = _gseapy(["g0", "g1", "g7"], {"x": sets}, bg)
    row = res.set_index("Term").loc["ALL"]
    assert row["K"] == row["N"] == 20 and row["P-value"] == pytest.approx(1.0, rel=RTOL)
    m = res.merge(ref, on="Term", suffixes=("", "_gp"))
    assert len(m) == 2
    for col in ["P-value", "Adjusted P-value", "Odds Ratio", "Combined Score"]:
        assert _rel(m[col], m[col + "_gp"]) <= RTOL


def test_no_overlap_gives_empty_table():
    bg = [f"g{i}" for i in range(20)]
    res = ora(["g0", "g1"], {"S": ["g5", "g6"], "T": ["g9"]}, bg)
    assert res.empty and list(res.columns) == ORA_COLUMNS
    assert res.attrs["libraries"]["gs_ind_0"]["n_tested"] == 2
    many = ora({"a": ["g0"], "b": ["x"]}, {"S": ["g5"]}, bg)
    assert many.empty and list(many.columns) == ["Query", *ORA_COLUMNS]
    assert many.attrs["queries"]["b"]["share_mapped"] == 0.0


def test_min_overlap_hides_rows_but_keeps_family(toy):
    bg, libs, queries = toy
    full = ora(queries["q3"], libs, bg)
    two = ora(queries["q3"], libs, bg, min_overlap=2)
    assert (two["k"] >= 2).all() and len(two) == (full["k"] >= 2).sum()
    kept = full[full["k"] >= 2].reset_index(drop=True)
    pd.testing.assert_series_equal(two["Adjusted P-value"], kept["Adjusted P-value"])


def test_normalise_with_a_mapper():
    class Upper:  # resolves g* symbols, leaves odd ones unresolved (None)
        def normalise(self, symbols):
            return [s.upper() if s.lower().startswith("g") else None for s in symbols]

    bg = [f"g{i}" for i in range(30)] + ["odd"]
    res = ora(["g1", "G2", "g3", "odd"], {"S": ["G1", "g2", "G3", "g4", "odd"]}, bg,
              normalise=Upper())
    assert res.iloc[0]["Genes"] == "G1;G2;G3;odd" and res.iloc[0]["k"] == 4
    assert res.iloc[0]["N"] == 31  # unresolved symbols are kept as given
    exact = ora(["g1", "G2", "g3"], {"S": ["G1", "g2", "G3", "g4"]}, bg)
    assert exact.empty  # exact matching by default


BG = [f"g{i}" for i in range(10)]
SETS = {"S": ["g1", "g2"]}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"gene_list": []}, "empty"),
        ({"gene_list": ["", "  "]}, "empty"),
        ({"gene_list": "g1 g2"}, "not a single string"),
        ({"gene_list": ["g1", None]}, "strings"),
        ({"gene_list": ["g1", ["g2"]]}, "mixes"),
        ({"gene_list": {}}, "empty mapping"),
        ({"gene_list": {"a": ["g1"], "b": []}}, "'b' is empty"),
        ({"gene_list": 5}, "list of symbols"),
        ({"background": None}, "background is required"),
        ({"background": 20000}, "not a number"),
        ({"background": []}, "background is empty"),
        ({"background": ["g1", 3]}, "strings"),
        ({"gene_sets": {}}, "gene_sets is empty"),
        ({"gene_sets": []}, "gene_sets is empty"),
        ({"gene_sets": {"S": "g1"}}, "collection of symbols"),
        ({"gene_sets": 3}, "gene_sets must be"),
        ({"min_size": 0}, "min_size"),
        ({"min_size": 2.5}, "min_size"),
        ({"max_size": 1, "min_size": 3}, "smaller than min_size"),
        ({"min_overlap": 0}, "min_overlap"),
        ({"family": "all"}, "family"),
        ({"normalise": "yes"}, "normalise"),
    ],
)
def test_invalid_inputs(kwargs, match):
    args = {"gene_list": ["g1", "g2"], "gene_sets": SETS, "background": BG} | kwargs
    with pytest.raises(ValueError, match=match):
        ora(**args)


# ------------------------------------------------ invalid input: ORA that tests nothing, GMT files
# ----------------------------------------------- enrichment that tests nothing says why
TOY_BG = [f"G{i}" for i in range(10)]
TOY_SETS = {"S1": ["G1", "G2", "G3"], "S2": ["G4", "G5", "G6", "G7"]}


@pytest.mark.parametrize(("genes", "sets", "kwargs", "message"), [
    (["X1", "X2", "X3"], TOY_SETS, {}, r"3 of 3 query genes are not in the background of 10 "
                                   r"genes \(not tested\): X1, X2, X3.*nothing can be tested"),
    (["g1", "g2"], TOY_SETS, {}, r"2 of 2 query genes.*2 of them match a background gene except "
                             r"for case \('g1' ~ 'G1', 'g2' ~ 'G2'\)"),
    ({"a": ["X1"], "b": ["Y"]}, TOY_SETS, {}, r"genes of list 'a'.*genes of list 'b'.*no query "
                                          r"gene is in the background"),
    (["G1", "G2"], {"S": ["Z1", "Z2"], "T": ["Z3"]}, {},
     r"none of the 2 gene sets of gs_ind_0 shares a gene with the background of 10 genes"),
    (["G1", "G2"], TOY_SETS, {"min_size": 5},
     r"no gene set of gs_ind_0 has at least 5 genes in the background of 10 genes \(their "
     r"sizes there range 3-4\)"),
    (["G1", "G2"], TOY_SETS, {"min_size": 1, "max_size": 2}, r"has 1 and 2 genes"),
    (["G1"], {"lib": {}}, {}, r"hold no set"),
])
def test_ora_that_would_test_nothing_says_why(genes, sets, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ora(genes, sets, TOY_BG, **kwargs)


def test_ora_names_the_genes_it_drops_and_keeps_the_result():
    with pytest.warns(EnrichmentWarning, match=r"3 of 5 query genes are not in the background "
                                               r"of 10 genes \(not tested\): g3, X, Y; 1 of "
                                               r"them match.*'g3' ~ 'G3'"):
        res = ora(["G1", "G2", "g3", "X", "Y"], TOY_SETS, TOY_BG)
    assert res.attrs["queries"][0]["n_in_background"] == 2
    assert res.set_index("Term").loc["S1", "k"] == 2  # the two known genes are tested


def _gmt(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "error", "message"), [
    ("", InputFileError, r"empty\.gmt: holds no gene set.*expected a GMT file"),
    ("\n\n  \n", InputFileError, r"holds no gene set"),
    ("S1\tdesc\n", ValueError, r"empty\.gmt, line 1: a GMT line needs a name, a description "
                               r"and genes"),
    ("S1,desc,G1,G2\n", ValueError, r"line 1: a GMT line needs"),
])
def test_a_gmt_file_without_a_valid_set_is_named(tmp_path, text, error, message):
    path = _gmt(tmp_path, "empty.gmt", text)
    with pytest.raises(error, match=message):
        ora(["G1"], str(path), TOY_BG)


def test_a_gmt_file_gives_the_same_result_as_its_dict(tmp_path):
    path = _gmt(tmp_path, "mine.gmt", "".join(f"{t}\td\t" + "\t".join(g) + "\n"
                                             for t, g in TOY_SETS.items()))
    from_file = ora(["G1", "G2", "G4"], path, TOY_BG)
    from_dict = ora(["G1", "G2", "G4"], {"mine": TOY_SETS}, TOY_BG)
    pd.testing.assert_frame_equal(from_file, from_dict)


def test_cli_enrich_names_unknown_genes_and_refuses_a_list_it_cannot_test(tmp_path, capsys):
    gmt = _gmt(tmp_path, "sets.gmt", "S1\td\tG1\tG2\tG3\nS2\td\tG4\tG5\n")
    bg = _gmt(tmp_path, "bg.txt", " ".join(TOY_BG))
    genes = _gmt(tmp_path, "genes.txt", "G1 G2 tp53 g3\n")
    args = ["--background", str(bg), "--libraries", str(gmt), "--exact", "--json"]
    assert main(["enrich", str(genes), *args]) == 0
    err = capsys.readouterr().err
    assert ("pqstats enrich: warning: 2 of 4 query genes are not in the background of 10 "
            "genes (not tested): tp53, g3; 1 of them match a background gene except for case "
            "('g3' ~ 'G3')") in err
    _gmt(tmp_path, "genes.txt", "tp53 myc\n")
    assert main(["enrich", str(genes), *args]) == 2
    err = capsys.readouterr().err
    assert "pqstats enrich: error: 2 of 2 query genes are not in the background" in err
    _gmt(tmp_path, "sets.gmt", "")
    _gmt(tmp_path, "genes.txt", "G1\n")
    assert main(["enrich", str(genes), *args]) == 2
    assert "sets.gmt: holds no gene set" in capsys.readouterr().err
