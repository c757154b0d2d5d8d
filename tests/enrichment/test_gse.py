"""The GSE task: description rules on toy libraries, scoring, and the real data path."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from pqstats.enrichment import (
    BASELINE_LIBRARIES,
    DEFAULT_TOP,
    describe_clusters,
    ora,
    score_descriptions,
)

BG = [f"G{i:03d}" for i in range(400)]
CLUSTER = ["G000", "G001", "G002", "G003", "G004", "G005"]


def _toy_libraries() -> dict[str, dict[str, set[str]]]:
    """Baseline libraries plus a small 'hallmark'; the 6-gene cluster hits several.

    p-values (N=400, n=6): 4/4 sets 1.4e-8 (go_bp and corum tie), reactome 4/7 4.9e-7,
    hallmark 5/20 1.1e-6, sterol 6/56 5.9e-6; go_bp tests 42 sets, the others one.
    """
    filler = {f"filler {i}": set(BG[10 + 7 * i: 30 + 7 * i]) for i in range(40)}
    return {
        # go_bp: a tiny exact set (smallest p) among many tested sets
        "go_bp": {"cholesterol biosynthetic process": {"G000", "G001", "G002", "G003"},
                  "sterol biosynthetic process": set(BG[:6]) | set(BG[100:150]),
                  **filler},
        "go_mf": {"oxidoreductase activity": set(BG[:3]) | set(BG[200:260])},
        "go_cc": {"endoplasmic reticulum membrane": set(BG[2:5]) | set(BG[300:340])},
        "corum": {"ODD complex (CORUM:1)": {"G000", "G001", "G002", "G003"}},
        "reactome": {"Cholesterol biosynthesis (R-HSA-191273)": set(BG[:4]) | set(BG[150:153])},
        "hallmark": {"HALLMARK_CHOLESTEROL_HOMEOSTASIS": set(BG[:5]) | set(BG[150:165])},
    }


def test_baseline_is_the_top_term_of_gseapy_on_the_merged_libraries():
    import gseapy as gp
    logging.getLogger("gseapy").setLevel(logging.ERROR)
    libs = _toy_libraries()
    res = describe_clusters({"c": CLUSTER}, "baseline", libraries=libs, background=BG,
                            normalise=False)
    merged = {}
    for name in BASELINE_LIBRARIES:
        merged.update(libs[name])
    ref = gp.enrich(gene_list=CLUSTER, gene_sets=merged, background=BG, outdir=None,
                    no_plot=True).res2d
    top = ref.sort_values("P-value", kind="stable").iloc[0]  # gseapy's table is by term
    # two sets tie (4/4); the alphabetical first wins, as in a stable sort of gseapy's table
    assert res.loc["c", "term"] == top["Term"] == "ODD complex (CORUM:1)"
    assert res.loc["c", "description"] == "ODD complex"
    assert res.loc["c", "library"] == "corum"
    assert res.loc["c", "p_value"] == pytest.approx(top["P-value"], rel=1e-12)
    assert res.loc["c", "share_mapped"] == 1.0


def test_bonferroni_prefers_the_small_library():
    libs = _toy_libraries()
    by_p = describe_clusters({"c": CLUSTER}, "pvalue", libraries=libs, background=BG,
                             normalise=False)
    by_bonf = describe_clusters({"c": CLUSTER}, "bonferroni", libraries=libs, background=BG,
                                normalise=False)
    assert by_p.loc["c", "library"] == "go_bp"  # 4/4 genes; corum ties, go_bp comes first
    # go_bp tests 42 sets, corum and reactome one each: corum's 4/4 wins on p x m
    assert by_bonf.loc["c", "library"] == "corum"
    res = ora(CLUSTER, libs, BG)
    best = res.sort_values(["Bonferroni P-value", "P-value"], kind="stable").iloc[0]
    assert by_bonf.loc["c", "term"] == best["Term"]


def test_consensus_picks_the_shared_theme():
    libs = _toy_libraries()
    res = describe_clusters({"c": CLUSTER}, "consensus", libraries=libs, background=BG,
                            normalise=False, top=5)
    # "ODD complex" is the most significant but shares no content word with the others;
    # the medoid of the top five is a cholesterol term
    assert "cholesterol" in res.loc["c", "description"].lower()
    single = describe_clusters({"c": CLUSTER}, "consensus", libraries=libs, background=BG,
                               normalise=False, top=1)
    bonf = describe_clusters({"c": CLUSTER}, "bonferroni", libraries=libs, background=BG,
                             normalise=False)
    assert single.loc["c", "term"] == bonf.loc["c", "term"]  # top=1 is the Bonferroni rule


def test_cluster_without_hits_gets_an_empty_description():
    libs = _toy_libraries()
    res = describe_clusters({"hit": CLUSTER, "none": ["G399", "G398"]}, "consensus",
                            libraries=libs, background=BG, normalise=False)
    assert list(res.index) == ["hit", "none"]
    assert res.loc["none", "description"] == "" and np.isnan(res.loc["none", "p_value"])


def test_score_descriptions_without_semantics():
    s = score_descriptions(["INO80 chromatin remodeling complex", ""],
                           ["INO80 complex", "proteasome"], semantic=False)
    assert list(s.columns) == ["rouge1_precision", "rouge1_recall", "rouge1_f1"]
    assert s["rouge1_recall"].tolist() == [1.0, 0.0]
    assert s.loc[0, "rouge1_precision"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: describe_clusters({"c": CLUSTER}, "best", libraries={}, background=BG),
         "unknown method"),
        (lambda: describe_clusters({"c": CLUSTER}, top=0, libraries={}, background=BG),
         "top must be"),
        (lambda: describe_clusters({}, libraries={}, background=BG), "non-empty mapping"),
        (lambda: describe_clusters({"c": CLUSTER}, "baseline", libraries={"go_bp": {}},
                                   background=BG), "needs the libraries"),
        (lambda: score_descriptions(["a"], ["a", "b"], semantic=False),
         "1 descriptions but 2 references"),
    ],
)
def test_invalid_gse_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


BG600 = [f"G{i:03d}" for i in range(600)]


def _themed_libraries() -> dict[str, dict[str, set[str]]]:
    """A library of 30 'pathways' and two that describe them (600 genes).

    ``themes`` names each pathway's block of genes with the pathway's own words (plus a
    distinct tail); ``noise`` holds sets that cut across the blocks with unrelated names.
    """
    words = ["cholesterol", "glycolysis", "proteasome", "ribosome", "spliceosome", "histone"]
    pathways, themes, noise = {}, {}, {}
    for i in range(30):
        block = set(BG600[20 * i: 20 * i + 20])
        word = words[i % len(words)]
        pathways[f"{word} pathway {i} WP{i}"] = block
        themes[f"{word} metabolic process {i}"] = set(sorted(block)[:15])
        noise[f"unrelated set {i}"] = set(BG600[(20 * i + 10) % 600: (20 * i + 10) % 600 + 20])
    return {"wikipathways_2023": pathways, "themes": themes, "noise": noise}


def test_single_rule_is_the_top_term_of_its_library_alone():
    libs = _themed_libraries()
    cluster = {"c": BG600[:12]}
    res = describe_clusters(cluster, "single", libraries=libs, background=BG600,
                            library="themes", normalise=False)
    assert res.loc["c", "library"] == "themes"
    assert res.loc["c", "description"] == "cholesterol metabolic process 0"
    with pytest.raises(ValueError, match="unknown gene-set library 'kegg'"):
        describe_clusters(cluster, "single", libraries=libs, background=BG600, library="kegg")
    with pytest.raises(ValueError, match="needs the library 'reactome'"):
        describe_clusters(cluster, "single", libraries=libs, background=BG600,
                          library="reactome")


@pytest.mark.integration
def test_real_clusters_with_bundle_libraries():
    from pqstats.enrichment import k562_background, load_libraries
    from pqstats.screens import load_gse

    background = k562_background()
    assert len(background) == 8454 and "non-targeting" not in background
    libs = load_libraries(["corum", "hallmark"], background)
    table = load_gse("pert")
    assert len(table) == 52
    wanted = table[table["label"].isin(["NELF complex", "Ragulator complex"])]
    clusters = {int(c): list(g) for c, g in zip(wanted["cluster"], wanted["genes"],
                                                strict=True)}
    res = describe_clusters(clusters, "bonferroni", libraries=libs, background=background)
    labels = dict(zip(wanted["cluster"], wanted["label"], strict=True))
    for c in clusters:
        assert res.loc[c, "description"].startswith(labels[c]), res.loc[c, "description"]
    # a named library goes through pqstats.knowledge, restricted to the background
    genes = clusters[next(iter(clusters))]
    direct = ora(genes, "corum", background)
    assert direct.attrs["libraries"]["corum"]["n_sets"] == len(libs["corum"])
    assert isinstance(direct, pd.DataFrame) and not direct.empty
    with pytest.raises(ValueError, match="unknown gene-set library"):
        ora(genes, ["corum", "kegg"], background)


@pytest.mark.integration
def test_run_and_write_gse_on_gene_clusters(tmp_path):
    from pqstats.enrichment import k562_background, load_libraries, run_gse, write_gse

    libs = load_libraries(["corum", "hallmark", "reactome"], k562_background())
    per_cluster, summary, sens = run_gse(kinds=("gene",), methods=("pvalue", "consensus"),
                                         semantic=False, top_grid=(1, DEFAULT_TOP),
                                         libraries=libs)
    assert len(per_cluster) == 2 * 25
    assert set(per_cluster["method"]) == {"pvalue", "consensus"}
    assert set(per_cluster["library"].dropna()) <= set(libs)
    assert (per_cluster["share_mapped"] > 0.8).all()
    assert per_cluster["rouge1_recall"].between(0, 1).all()
    assert list(summary["kind"]) == ["gene", "gene", "all", "all"]
    assert (summary["n_clusters"] == 25).all()
    assert list(sens["top"]) == [1, DEFAULT_TOP]
    # consensus with the default top is the 'consensus' row of the summary
    row = summary[(summary["kind"] == "gene") & (summary["method"] == "consensus")].iloc[0]
    assert sens.loc[sens["top"] == DEFAULT_TOP, "rouge1_recall"].item() == pytest.approx(
        row["rouge1_recall"], rel=1e-12)
    paths = write_gse(per_cluster, summary, sens, out=tmp_path)
    assert [p.name for p in paths] == ["gse_clusters.csv", "gse_summary.csv",
                                       "gse_consensus_top.csv", "gse.md"]
    text = paths[-1].read_text()
    assert "## Means" in text and "sensitivity to `top`" in text
    first = per_cluster[per_cluster["method"] == "pvalue"]
    per_cluster_md = text.split("## Per cluster")[1].splitlines()
    labels_in_md = [ln.split(" | ")[2] for ln in per_cluster_md if ln.startswith("| gene |")]
    assert labels_in_md == list(first["label"])  # per-cluster rows keep the file's order


@pytest.mark.integration
def test_cli_enrich(tmp_path, capsys):
    from pqstats.cli import main

    genes = tmp_path / "genes.txt"
    genes.write_text("NELFA\nNELFB, NELFCD  # the NELF complex\nNELFE\n")
    out = tmp_path / "res.csv"
    assert main(["enrich", str(genes), "--libraries", "corum,hallmark", "--top", "3",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "NELF complex" in printed and "4 of 4 distinct genes" in printed
    table = pd.read_csv(out)
    assert table.iloc[0]["Gene_set"] == "corum" and table.iloc[0]["k"] == 4
    assert main(["enrich", str(genes), "--libraries", "kegg"]) == 2  # one-line error
    assert "unknown gene-set library" in capsys.readouterr().err
