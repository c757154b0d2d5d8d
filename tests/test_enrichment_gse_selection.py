"""Choosing the GSE rule held out: synthetic clusters, never the 77 labels, seeded."""

from __future__ import annotations

import pandas as pd
import pytest

from pqstats.enrichment import (
    DEFAULT_LIBRARY,
    DEFAULT_METHOD,
    Rule,
    candidate_rules,
    describe_clusters,
    select_rule,
    synthetic_clusters,
    write_selection,
)

BG = [f"G{i:03d}" for i in range(600)]


def _toy_libraries() -> dict[str, dict[str, set[str]]]:
    """A generator library of 30 'pathways' and two describing libraries.

    ``themes`` names each pathway's block of genes with the pathway's own words (plus a
    distinct tail); ``noise`` holds sets that cut across the blocks with unrelated names.
    """
    words = ["cholesterol", "glycolysis", "proteasome", "ribosome", "spliceosome", "histone"]
    pathways, themes, noise = {}, {}, {}
    for i in range(30):
        block = set(BG[20 * i: 20 * i + 20])
        word = words[i % len(words)]
        pathways[f"{word} pathway {i} WP{i}"] = block
        themes[f"{word} metabolic process {i}"] = set(sorted(block)[:15])
        noise[f"unrelated set {i}"] = set(BG[(20 * i + 10) % 600: (20 * i + 10) % 600 + 20])
    return {"wikipathways_2023": pathways, "themes": themes, "noise": noise}


def test_synthetic_clusters_have_the_stated_sizes_members_and_noise():
    libs = _toy_libraries()
    gen = libs["wikipathways_2023"]
    synth = synthetic_clusters(gen, BG, n_clusters=25, sizes=(4, 30), noise=(0.2, 0.5),
                               set_sizes=(10, 500), seed=3)
    assert len(synth) == 25 and synth["term"].is_unique  # drawn without replacement
    for row in synth.itertuples():
        genes, members = set(row.genes), gen[row.term]
        assert len(genes) == len(row.genes) == row.n_genes == row.n_members + row.n_noise
        assert len(genes & members) == row.n_members >= 2  # dropped members: a subset
        assert len(genes - members) == row.n_noise  # noise genes come from outside the set
        assert genes <= set(BG)
        assert 0.2 <= row.noise_share <= 0.5
        # size log-uniform on [4, 30]; the members are capped by the set's 20 genes
        size = row.n_genes if row.n_members < 20 else None
        if size is not None:
            assert 4 <= size <= 30
            assert row.n_noise == round(row.noise_share * size)
    share = (synth["n_noise"] / synth["n_genes"]).mean()
    assert 0.2 - 0.1 <= share <= 0.5 + 0.05  # rounding on sizes >= 4 moves it <= 0.125


def test_synthetic_clusters_are_seeded():
    gen = _toy_libraries()["wikipathways_2023"]
    a = synthetic_clusters(gen, BG, n_clusters=10, seed=7)
    b = synthetic_clusters(gen, BG, n_clusters=10, seed=7)
    c = synthetic_clusters(gen, BG, n_clusters=10, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert a["genes"].tolist() != c["genes"].tolist()


@pytest.mark.parametrize("kwargs, match", [
    ({"n_clusters": 0}, "n_clusters must be"),
    ({"sizes": (1, 5)}, "sizes must be"),
    ({"noise": (0.5, 1.0)}, "noise must be"),
    ({"set_sizes": (100, 200)}, "no gene set has between"),
])
def test_synthetic_clusters_refuse_bad_ranges(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_clusters(_toy_libraries()["wikipathways_2023"], BG, **kwargs)


def test_selection_never_reads_the_labels_and_is_deterministic(monkeypatch, tmp_path):
    import pqstats.screens
    import pqstats.screens.perturbqa as perturbqa

    def refuse(*args, **kwargs):
        raise AssertionError("the selection read the PerturbQA GSE labels")

    for module in (pqstats.screens, perturbqa):
        monkeypatch.setattr(module, "load_gse", refuse)
    monkeypatch.setattr(perturbqa, "read_json", refuse)
    libs = _toy_libraries()
    kwargs = dict(n_clusters=20, seed=1, semantic=False, normalise=False,
                  sizes=(6, 20), noise=(0.0, 0.3))
    table, chosen, per_cluster = select_rule(libs, BG, **kwargs)
    again = select_rule(libs, BG, **kwargs)
    pd.testing.assert_frame_equal(table, again[0])
    pd.testing.assert_frame_equal(per_cluster, again[2])
    assert chosen == again[1]
    rules = [r.name for r in candidate_rules(["themes", "noise"])]
    assert table["rule"].tolist() == rules  # the generator is never a describing library
    assert "single[wikipathways_2023]" not in rules
    # no description is the generating set's name: its library is held out
    for rule in rules:
        assert not per_cluster[rule].str.contains("WP|pathway").any()
    # the themed library names the pathway's word; the cross-cutting one never does
    f1 = table.set_index("rule")["rouge1_f1"]
    assert f1["single[themes]"] > f1["single[noise]"]
    assert chosen.name == "single[themes]" and table["chosen"].sum() == 1
    assert table.loc[table["chosen"], "within_1se"].all()
    # the chosen rule is the first row within one standard error of the best
    first = table.index[table["within_1se"]][0]
    assert table.loc[first, "rule"] == chosen.name
    best = table["rouge1_f1"].max()
    assert table.loc[table["rule"] == chosen.name, "rouge1_f1"].item() >= best - (
        table.loc[table["rule"] == chosen.name, "se_delta"].item() + 1e-12)
    paths = write_selection(table, chosen, per_cluster, tmp_path)
    assert [p.name for p in paths] == ["gse_selection.csv", "gse_selection_clusters.csv",
                                       "gse_selection.md"]
    assert "Chosen: `single[themes]`" in paths[-1].read_text()


def test_selection_refuses_a_generator_that_is_not_loaded():
    libs = _toy_libraries()
    with pytest.raises(ValueError, match="generator library 'reactome' is not among"):
        select_rule(libs, BG, generator="reactome", semantic=False, normalise=False)
    with pytest.raises(ValueError, match="held-out generator"):
        select_rule(libs, BG, rules=[Rule("single", library="wikipathways_2023")],
                    semantic=False, normalise=False)


def test_single_rule_is_the_top_term_of_its_library_alone():
    libs = _toy_libraries()
    cluster = {"c": BG[:12]}
    res = describe_clusters(cluster, "single", libraries=libs, background=BG,
                            library="themes", normalise=False)
    assert res.loc["c", "library"] == "themes"
    assert res.loc["c", "description"] == "cholesterol metabolic process 0"
    with pytest.raises(ValueError, match="unknown gene-set library 'kegg'"):
        describe_clusters(cluster, "single", libraries=libs, background=BG, library="kegg")
    with pytest.raises(ValueError, match="needs the library 'reactome'"):
        describe_clusters(cluster, "single", libraries=libs, background=BG,
                          library="reactome")


def test_the_default_rule_is_the_held_out_choice():
    # results/gse_selection.md chose single[reactome]; the code's default must agree
    assert (DEFAULT_METHOD, DEFAULT_LIBRARY) == ("single", "reactome")


def test_selection_minilm_is_the_task_s_cosine():
    pytest.importorskip("sentence_transformers")
    from pqstats.enrichment import semantic_similarity

    table, _, per_cluster = select_rule(_toy_libraries(), BG, n_clusters=8, seed=2,
                                        normalise=False)
    for rule in ("single[themes]", "consensus[top=5]"):
        ref = semantic_similarity(per_cluster[rule].tolist(),
                                  per_cluster["reference"].tolist())
        got = table.loc[table["rule"] == rule, "minilm_cosine"].item()
        assert got == pytest.approx(ref.mean(), abs=1e-5)
