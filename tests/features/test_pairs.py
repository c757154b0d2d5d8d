"""Pair features: retrieval arithmetic, out-of-fold honesty, graph relations, transfer rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from pqstats.features import graph_pairs
from pqstats.features._cache import pair_rows
from pqstats.features.graph_pairs import GRAPH_PAIR_FEATURES, MAX_DISTANCE, graph_pair_features
from pqstats.features.pairs import PairFeaturizer, load_graph
from pqstats.features.profiles import GeneProfiles, canonical_symbols, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval, top_k_rows
from pqstats.features.transfer import TransferFeatures, transfer_sources
from pqstats.screens import load_dir


def _profiles(rows: dict[str, list[float]], space: str = "toy") -> GeneProfiles:
    genes = pd.Index(sorted(rows))
    mat = np.array([rows[g] for g in genes], dtype=np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    return GeneProfiles(space=space, genes=genes, matrix=sp.csr_matrix(mat))


@pytest.fixture
def toy_retrieval():
    # train perts A, B; query Q is identical to A and orthogonal to B
    prof = _profiles({"A": [1, 0], "B": [0, 1], "Q": [1, 0], "Z": [0.6, 0.8]})
    pairs = pd.DataFrame({"pert": ["A", "A", "B", "B"], "gene": ["g1", "g2", "g1", "g2"]})
    y = np.array([1, 0, 0, 0])
    return prof, pairs, y


def test_retrieval_matches_hand_computation(toy_retrieval):
    prof, pairs, y = toy_retrieval
    r = ResponseRetrieval([prof], gene_weight=0.0, shrinkage=1.0).fit(pairs, y)
    # base rate 0.25; g1 rate (1 + 0.25) / (2 + 1); residual of (A, g1) = 1 - 0.41667
    rate_g1 = (1 + 0.25) / 3
    feats = r.transform(pd.DataFrame({"pert": ["Q", "Z"], "gene": ["g1", "g1"]}))
    # Q: similarity 1 to A, 0 to B → (1 - rate) / (1 + 1)
    assert feats["toy_retrieval"].iloc[0] == pytest.approx((1 - rate_g1) / 2, rel=1e-6)
    # Z: similarities 0.6 (A), 0.8 (B) → (0.6 (1 - r) + 0.8 (0 - r)) / (1.4 + 1)
    expected = (0.6 * (1 - rate_g1) + 0.8 * (0 - rate_g1)) / 2.4
    assert feats["toy_retrieval"].iloc[1] == pytest.approx(expected, rel=1e-5)
    assert feats["gene_rate"].tolist() == pytest.approx([rate_g1, rate_g1])
    assert feats["toy_max_similarity"].tolist() == pytest.approx([1.0, 0.8])


def test_unknown_pert_and_gene_fall_back(toy_retrieval):
    prof, pairs, y = toy_retrieval
    r = ResponseRetrieval([prof]).fit(pairs, y)
    feats = r.transform(pd.DataFrame({"pert": ["NOT_A_GENE"], "gene": ["g_new"]}))
    assert feats["toy_retrieval"].iloc[0] == 0.0
    assert feats["gene_rate"].iloc[0] == pytest.approx(0.25)
    assert np.isfinite(feats.to_numpy()).all()


def test_top_k_rows_keeps_the_largest_positive_entries():
    m = np.array([[0.1, 0.5, -1.0, 0.3], [0.0, 0.0, 0.0, 0.0]])
    out = top_k_rows(m, 2).toarray()
    np.testing.assert_allclose(out, [[0, 0.5, 0, 0.3], [0, 0, 0, 0]])


def test_top_k_rows_in_blocks_selects_as_one_partition_of_the_whole_matrix():
    # more rows than a block, with ties at the k-th value (the graph of a real screen has
    # them in most rows): the kept entries are those of one argpartition of the matrix
    rng = np.random.default_rng(0)
    m = np.round(rng.random((600, 40)), 1).astype(np.float32)
    idx = np.argpartition(-m, 4, axis=1)[:, :5]
    expected = np.zeros_like(m)
    np.put_along_axis(expected, idx, np.take_along_axis(m, idx, axis=1), axis=1)
    np.testing.assert_array_equal(top_k_rows(m, 5).toarray(), expected)


def test_sparse_products_of_the_retrieval_equal_the_dense_ones():
    rng = np.random.default_rng(1)
    mat = (rng.random((30, 50)) < 0.1) * rng.standard_normal((30, 50)).astype(np.float32)
    weights = rng.random((7, 30)).astype(np.float32)
    np.testing.assert_allclose(ResponseRetrieval._weighted(weights, sp.csr_matrix(mat.T)),
                               weights @ mat, rtol=1e-5, atol=1e-6)


def test_pair_rows_computes_only_unseen_pairs_and_keeps_row_order():
    asked = []

    def compute(new):
        asked.append(list(zip(new["pert"], new["gene"], strict=True)))
        return pd.DataFrame({"f": [len(p) + 10 * len(g) for p, g in
                                  zip(new.pert, new.gene, strict=True)]})

    memo: dict = {}
    first = pd.DataFrame({"pert": ["A", "BB", "A"], "gene": ["x", "yy", "x"]},
                         index=[5, 6, 7])
    out = pair_rows(memo, "k", first, compute)
    assert out.index.tolist() == [5, 6, 7] and out["f"].tolist() == [11, 22, 11]
    second = pd.DataFrame({"pert": ["BB", "C"], "gene": ["yy", "zzz"]})
    assert pair_rows(memo, "k", second, compute)["f"].tolist() == [22, 31]
    assert asked == [[("A", "x"), ("BB", "yy")], [("C", "zzz")]]
    pair_rows(memo, "other", second, compute)  # another key shares nothing
    assert asked[-1] == [("BB", "yy"), ("C", "zzz")]


# --- real graph ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def k562_dir():
    pairs = load_dir("k562")
    return pairs[pairs.split == "train"].reset_index(drop=True), pairs[pairs.split == "test"]


@pytest.mark.integration
def test_featurizer_shapes_and_out_of_fold_honesty(k562_dir):
    train, _ = k562_dir
    sub = train[train.pert.isin(train.pert.unique()[:300])].reset_index(drop=True)
    fz = PairFeaturizer(spaces=("go", "all"))
    feats = fz.fit_transform(sub[["pert", "gene"]], sub.label.to_numpy())
    assert feats.shape[0] == len(sub) and np.isfinite(feats.to_numpy(float)).all()
    assert set(GRAPH_PAIR_FEATURES) <= set(feats.columns)
    # Flip every label of one perturbation: its own out-of-fold features must not move.
    pert = sub.pert.iloc[0]
    flipped = np.where(sub.pert == pert, 1 - sub.label, sub.label)
    again = PairFeaturizer(spaces=("go", "all")).fit_transform(sub[["pert", "gene"]], flipped)
    own = (sub.pert == pert).to_numpy()
    retrieval_cols = [c for c in feats.columns if "retrieval" in c or "strength" in c]
    pd.testing.assert_frame_equal(feats.loc[own, retrieval_cols], again.loc[own, retrieval_cols])
    assert not feats.loc[~own, retrieval_cols].equals(again.loc[~own, retrieval_cols])


@pytest.mark.integration
def test_featurizer_memo_equals_a_fresh_fit_and_follows_the_labels(k562_dir):
    """A second fit on the same inputs reuses the first (the benchmark's seeds share it);
    its features equal those of a fit after every memo is forgotten, and other labels
    give other features, never the memoised ones."""
    from pqstats.features import clear_memos

    train, test = k562_dir
    sub = train[train.pert.isin(train.pert.unique()[:200])].reset_index(drop=True)
    query = test.iloc[:2000]
    y = sub.label.to_numpy()
    first = PairFeaturizer(spaces=("go",)).fit(sub, y)
    memoised = PairFeaturizer(spaces=("go",)).fit(sub, y)
    assert memoised.retrieval_ is first.retrieval_
    a = memoised.transform(query)
    clear_memos()
    fresh = PairFeaturizer(spaces=("go",)).fit(sub, y).transform(query)
    pd.testing.assert_frame_equal(a, fresh)
    other = PairFeaturizer(spaces=("go",)).fit(sub, 1 - y).transform(query)
    retrieval_cols = [c for c in a.columns if "retrieval" in c]
    assert not np.allclose(a[retrieval_cols], other[retrieval_cols])
    # a reordered query reads its own rows, not the memoised order's
    reverse = query.iloc[::-1]
    pd.testing.assert_frame_equal(memoised.transform(reverse), a.iloc[::-1])
    # the index follows the query, whatever the memoised frame's was
    shifted = query.set_axis(np.arange(len(query)) + 10**6)
    assert (PairFeaturizer(spaces=("go",)).fit(sub, y).transform(shifted).index
            == shifted.index).all()


@pytest.mark.integration
def test_retrieval_features_do_not_depend_on_the_blas_thread_count():
    # the retrieval's products are sparse (scipy's, summed in one order on every CPU):
    # which of a gene's tied co-responding genes the smoothing keeps no longer follows the
    # rounding of a BLAS kernel (with dense products these features moved by 7.6e-6)
    from threadpoolctl import threadpool_limits

    from pqstats.screens import load_de

    pairs = load_de("rpe1")
    pairs = pairs.assign(pert=canonical_symbols(load_graph(), pairs["pert"].to_numpy()))
    train, test = pairs[pairs.split == "train"], pairs[pairs.split == "test"]
    profiles = [gene_profiles(load_graph(), s) for s in ("go", "all")]
    out = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            r = ResponseRetrieval(profiles, gene_neighbours=100, ridge=10.0)
            out.append(r.fit(train, train["label"].to_numpy()).transform(test).to_numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=0, atol=1e-6)


@pytest.mark.integration
def test_graph_pair_features_kept_per_pair_equal_a_fresh_computation(k562_dir):
    # the strict and transfer tracks, and a learning curve's fits, featurise overlapping
    # pairs: each pair's features are those of computing it with no pair seen before
    _, test = k562_dir
    kg = load_graph()
    first, second = test.iloc[:3000], test.iloc[2000:5000]
    graph_pairs._ROWS.clear()
    graph_pair_features(kg, first)
    kept = graph_pair_features(kg, second)
    graph_pairs._ROWS.clear()
    pd.testing.assert_frame_equal(kept, graph_pair_features(kg, second))


@pytest.mark.integration
def test_graph_pair_features_on_known_relations():
    kg = load_graph()
    pairs = pd.DataFrame({"pert": ["PSMA1", "PSMA1", "PSMA1", "NOT_A_GENE"],
                          "gene": ["PSMB1", "PSMA1", "OR4F5", "PSMB1"]})
    f = graph_pair_features(kg, pairs)
    # two 20S proteasome subunits: same CORUM complex, interacting, GO-similar
    assert f.loc[0, "shared_complex"] >= 1 and f.loc[0, "ppi_distance"] == 1
    assert f.loc[0, "go_cosine"] > 0.5
    assert f.loc[1, "ppi_distance"] == 1 or f.loc[1, "go_cosine"] == pytest.approx(1, abs=1e-5)
    # unknown gene: zeros, distance at the cap
    assert f.loc[3, "ppi_distance"] == MAX_DISTANCE and f.loc[3, "shared_complex"] == 0


@pytest.mark.integration
def test_profiles_are_unit_rows():
    prof = gene_profiles(load_graph(), "go")
    norms = np.sqrt(np.asarray(prof.matrix.multiply(prof.matrix).sum(1)).ravel())
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="unknown space"):
        gene_profiles(load_graph(), "tea")


#: The sources of each PerturbQA screen before the registry existed (the hard-coded
#: SCREENS / _GENE_LEVEL tables of pqstats.features.transfer): the order decides the
#: column order of the response-profile spaces, so it must not change either.
PRE_REGISTRY_SOURCES = {
    "k562": ["rpe1", "hepg2", "jurkat"],
    "k562_set": ["rpe1", "hepg2", "jurkat"],
    "rpe1": ["k562", "hepg2", "jurkat"],
    "hepg2": ["k562", "rpe1", "jurkat"],
    "jurkat": ["k562", "rpe1", "hepg2"],
}


@pytest.mark.parametrize("target", sorted(PRE_REGISTRY_SOURCES))
def test_transfer_sources_are_those_before_the_registry(target, tmp_path, monkeypatch):
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path))  # no imported screen
    assert transfer_sources(target) == PRE_REGISTRY_SOURCES[target]


def test_transfer_sources_refuse_unknown_screens():
    with pytest.raises(ValueError, match="unknown screen 'mouse'"):
        transfer_sources("mouse")


@pytest.mark.integration
def test_transfer_features_read_training_splits_only(monkeypatch):
    from pqstats.features import transfer

    seen = []
    real = transfer.load_pairs

    def spy(name, task):
        df = real(name, task)
        seen.append(name)
        # poison other screens' test labels: transfer features must not change
        return df.assign(label=np.where(df.split == "test", 1 - df.label, df.label))

    base = TransferFeatures("k562", "dir").fit()
    monkeypatch.setattr(transfer, "load_pairs", spy)
    poisoned = TransferFeatures("k562", "dir").fit()
    assert set(seen) == {"rpe1", "hepg2", "jurkat"}  # every other study's screen
    pairs = load_dir("k562")
    pd.testing.assert_frame_equal(base.transform(pairs), poisoned.transform(pairs))


def test_featurizer_rejects_bad_options():
    with pytest.raises(ValueError, match="unknown feature group"):
        PairFeaturizer(groups=("magic",)).fit(pd.DataFrame({"pert": [], "gene": []}), [])
    with pytest.raises(ValueError, match="transfer track needs dataset and task"):
        PairFeaturizer(track="transfer").fit(pd.DataFrame({"pert": [], "gene": []}), [])


def test_other_task_groups_need_a_screens_other_task():
    empty = pd.DataFrame({"pert": [], "gene": []})
    with pytest.raises(ValueError, match="'de_outcomes'.*task='dir'"):
        PairFeaturizer(groups=("retrieval", "de_outcomes"), dataset="k562",
                       task="de").fit(empty, [])
    with pytest.raises(ValueError, match="'dir_outcomes'.*task='de'"):
        PairFeaturizer(groups=("retrieval", "dir_outcomes"), dataset="k562",
                       task="dir").fit(empty, [])
    with pytest.raises(ValueError, match="'de_outcomes'.*set dataset"):
        PairFeaturizer(groups=("retrieval", "de_outcomes"), task="dir").fit(empty, [])
    with pytest.raises(ValueError, match="'dir_outcomes' feature group extends the retrieval"):
        PairFeaturizer(groups=("graph", "dir_outcomes"), dataset="k562", task="de").fit(empty,
                                                                                        [])


@pytest.mark.integration
@pytest.mark.parametrize(("task", "group", "other"), [("dir", "de_outcomes", "de"),
                                                      ("de", "dir_outcomes", "dir")])
def test_other_task_groups_read_only_the_fits_own_training_rows(monkeypatch, task, group,
                                                                 other):
    """Features from the same screen's other task: flipping every other-task label the fit
    may not read (test rows; knockdowns outside the fit, as a pilot's unscreened ones)
    changes no feature, and flipping a training knockdown's own other-task labels leaves
    its own training rows' features unchanged (they are out of fold)."""
    import pqstats.screens as screens

    pairs = screens.load_pairs("k562_set", task)
    train = pairs[pairs.split == "train"]
    fit_perts = train.pert.unique()[:300]
    fit = train[train.pert.isin(fit_perts)]
    test = pairs[pairs.split == "test"].head(3000)
    own = fit_perts[0]
    real = screens.load_pairs

    def features(flip_own: bool = False, poison: bool = True):
        def load(name, t):
            df = real(name, t)
            if t != other or not poison:
                return df
            bad = (df.split == "test") | ~df.pert.isin(fit_perts)
            if flip_own:
                bad |= df.pert == own
            return df.assign(label=np.where(bad, 1 - df.label, df.label))

        monkeypatch.setattr(screens, "load_pairs", load)
        f = PairFeaturizer(groups=("retrieval", group), dataset="k562_set", task=task)
        return (f.fit_transform(fit[["pert", "gene"]], fit.label.to_numpy()),
                f.transform(test[["pert", "gene"]]))

    base_oof, base_test = features(poison=False)
    cols = [c for c in base_oof.columns if c.startswith(f"{other}_")]
    assert cols and base_oof[cols].abs().to_numpy().sum() > 0
    oof, held = features()
    pd.testing.assert_frame_equal(oof, base_oof)
    pd.testing.assert_frame_equal(held, base_test)
    oof, held = features(flip_own=True)
    mine = (fit.pert == own).to_numpy()
    pd.testing.assert_frame_equal(oof[mine], base_oof[mine])
    assert not np.allclose(oof.loc[~mine, cols], base_oof.loc[~mine, cols])
    assert not np.allclose(held[cols], base_test[cols])


@pytest.mark.integration
def test_other_task_group_adds_columns_to_the_same_base_features():
    """With an other-task group the featuriser's other columns are exactly those of the
    featuriser without it (the models without the group share those fits and memos)."""
    from pqstats.features.pairs import clear_memos
    from pqstats.screens import load_pairs

    pairs = load_pairs("k562_set", "de")
    fit = pairs[pairs.pert.isin(pairs.loc[pairs.split == "train", "pert"].unique()[:200])]
    test = pairs[pairs.split == "test"].head(2000)
    groups = ("retrieval", "ridge", "graph")
    base = PairFeaturizer(groups=groups, dataset="k562_set", task="de")
    full = PairFeaturizer(groups=groups + ("dir_outcomes",), dataset="k562_set", task="de")
    oof = full.fit_transform(fit[["pert", "gene"]], fit.label.to_numpy())
    added = [c for c in oof.columns if c.startswith("dir_")]
    assert added and oof[added].notna().all().all()
    held = full.transform(test[["pert", "gene"]])
    clear_memos()  # the base featuriser computes its own
    pd.testing.assert_frame_equal(
        oof.drop(columns=added),
        base.fit_transform(fit[["pert", "gene"]], fit.label.to_numpy()))
    pd.testing.assert_frame_equal(held.drop(columns=added), base.transform(test[["pert", "gene"]]))


def test_other_task_features_are_described_in_words():
    from pqstats.predict import describe_feature

    s = describe_feature("de_all_retrieval_smooth", 0.2, "TP53", "MDM2")
    assert s.startswith("in this screen's DE outcomes") and "TP53" in s and "+0.200" in s
    s = describe_feature("dir_gene_rate", 0.25, "TP53", "MDM2")
    assert s.startswith("in this screen's Dir outcomes") and "25%" in s


def test_sharpened_retrieval_weights_by_squared_similarity(toy_retrieval):
    prof, pairs, y = toy_retrieval
    r = ResponseRetrieval([prof], gene_weight=0.0, shrinkage=1.0).fit(pairs, y)
    rate_g1 = (1 + 0.25) / 3
    feats = r.transform(pd.DataFrame({"pert": ["Z"], "gene": ["g1"]}))
    expected = (0.36 * (1 - rate_g1) + 0.64 * (0 - rate_g1)) / (0.36 + 0.64 + 1)
    assert feats["toy_retrieval_sharp"].iloc[0] == pytest.approx(expected, rel=1e-5)


@pytest.mark.integration
def test_programme_readouts_average_over_members():
    from pqstats.features.embeddings import pair_embedding_features, svd_embedding
    from pqstats.screens import load_programs

    kg = load_graph()
    programmes = load_programs()
    name = "15-proteasome genes"
    pairs = pd.DataFrame({"pert": ["PSMA1"], "gene": [name]})
    f = graph_pair_features(kg, pairs, members=programmes)
    members = [g for g in programmes[name]]
    per_member = graph_pair_features(kg, pd.DataFrame({"pert": "PSMA1", "gene": members}))
    assert f["go_cosine"].iloc[0] == pytest.approx(per_member["go_cosine"].mean(), rel=1e-5)
    assert f["pert_is_member"].iloc[0] == pytest.approx(("PSMA1" in members) / len(members))
    emb = svd_embedding(kg, "all", dimensions=8)
    e = pair_embedding_features(emb, pairs, programmes)
    assert e.shape == (1, 24) and np.isfinite(e.to_numpy()).all()
    with pytest.raises(ValueError, match="dimensions"):
        svd_embedding(kg, "all", dimensions=0)


@pytest.mark.integration
def test_text_space_embeds_gene_descriptions_on_demand(tmp_path, monkeypatch):
    from pqstats.features.text import gene_text_embedding

    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path))
    kg = load_graph()
    prof = gene_profiles(kg, "text")
    sim = prof.similarity(["PSMA1", "PSMB1", "OR4F5", "NOT_A_GENE"], ["PSMA1", "PSMB1"])
    assert sim.shape == (4, 2)
    assert sim[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert sim[0, 1] > sim[2, 1]  # two proteasome subunits read alike; an olfactory receptor not
    assert (sim[3] == 0).all()  # unknown gene: zero row
    first = gene_text_embedding(kg, ["PSMA1"])
    cached = list((tmp_path / "cache" / "features").glob("gene-text-*.npz"))
    assert len(cached) == 1
    pd.testing.assert_frame_equal(gene_text_embedding(kg, ["PSMA1"]), first)


def test_gene_smoothing_adds_co_responding_genes():
    # g1 and g2 respond identically across perts A, B; g3 is unrelated noise
    prof = _profiles({"A": [1, 0], "B": [0, 1], "Q": [1, 0]})
    pairs = pd.DataFrame({"pert": ["A", "A", "B", "B", "A", "B"],
                          "gene": ["g1", "g2", "g1", "g2", "g3", "g3"]})
    y = np.array([1, 1, 0, 0, 0, 1])
    plain = ResponseRetrieval([prof], gene_weight=0.0).fit(pairs, y)
    smooth = ResponseRetrieval([prof], gene_weight=2.0, gene_neighbours=1).fit(pairs, y)
    q = pd.DataFrame({"pert": ["Q", "Q"], "gene": ["g1", "g2"]})
    a = plain.transform(q)["toy_retrieval_smooth"].to_numpy()
    b = smooth.transform(q)["toy_retrieval_smooth"].to_numpy()
    # each gene's only neighbour is its twin, so smoothing adds 2x the twin's score
    np.testing.assert_allclose(b, a + 2.0 * a[::-1], rtol=1e-5)


def test_outdated_perturbation_symbols_resolve_to_the_graph():
    kg = load_graph()
    names = ["AARS", "AARS1", "NOTAGENE1", "AARS"]
    assert canonical_symbols(kg, names).tolist() == ["AARS1", "AARS1", "NOTAGENE1", "AARS1"]
    # PerturbQA's "AARS" (now AARS1) gets the graph relations of AARS1, not zeros
    pairs = pd.DataFrame({"pert": ["AARS", "AARS1"], "gene": ["EPRS1", "EPRS1"]})
    feats = graph_pair_features(kg, pairs)
    np.testing.assert_array_equal(feats.iloc[0].to_numpy(), feats.iloc[1].to_numpy())
    assert feats["all_cosine"].iloc[0] > 0
