"""Predict a knockdown: score every readout gene of a screen for DE and direction.

A cell line is named by its registered screen (``k562``, ``rpe1``, ``hepg2``, ``jurkat``
or an imported one; any spelling :func:`pqstats.screens.get_screen` accepts). Predicting
and prioritising score single genes, so they need a screen that reads out genes
(``k562_set``, read out as gene programmes, is refused with the registry's message).

The model is the benchmark's: trained on the *full training split* of the screen
(strict track by default), with the same parameters and code as ``pqstats
benchmark``, so a test perturbation gets exactly its benchmark scores. A fitted model is
cached on disk (``data/cache/models/``), keyed like the benchmark's scores by the model's
parameters, the training pairs and pqstats' scoring code.

The perturbation only has to be a gene of the knowledge graph: a gene that no PerturbQA
screen knocked down is scored from its knowledge-graph neighbourhood (similar screened
perturbations, direct relations to each readout gene). A gene the graph does not know is
refused with a clear message, never guessed.

>>> from pqstats.predict import predict_knockdown, responder_themes
>>> table = predict_knockdown("k562", "MED12")            # doctest: +SKIP
>>> responder_themes(table, top=50).head()                 # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pqstats import models as model_registry
from pqstats._checks import check_int
from pqstats.knowledge.symbols import (
    AmbiguousGeneError,
    UnknownGeneError,
    UnmeasuredGeneError,
    resolve_gene_names,
)
from pqstats.screens import (
    Screen,
    UnlabelledScreenError,
    get_screen,
    load_pairs,
    measured_genes,
    resolve_screen,
)
from pqstats.screens.registry import unlabelled_message

__all__ = [
    "UnknownGeneError",
    "AmbiguousGeneError",
    "UnmeasuredGeneError",
    "resolve_perturbation",
    "resolve_perturbations",
    "resolve_readout_genes",
    "screen_perturbations",
    "readout_genes",
    "default_track",
    "screen_model",
    "feature_contributions",
    "describe_feature",
    "evidence_screens",
    "source_screens",
    "predict_knockdown",
    "responder_themes",
]

#: Similarity space → what it means, for sentences.
SPACE_LABELS: dict[str, str] = {
    "go": "GO annotations",
    "ppi": "protein interactions and complexes",
    "pathway": "pathways, hallmark sets and complexes",
    "all": "the whole knowledge graph",
    "node2vec": "node2vec embedding of the knowledge graph",
    "text": "text description (MiniLM)",
    "self": "identity (the same knockdown)",
}

#: Gene-set libraries searched for the themes of a knockdown's responders by default.
THEME_LIBRARIES: tuple[str, ...] = ("go_bp", "reactome", "hallmark")

_RETRIEVAL_KINDS = ("retrieval_smooth", "retrieval_sharp", "retrieval", "ridge_smooth",
                    "ridge_strength", "ridge", "support", "strength",
                    "max_similarity")

_MODELS: dict[str, model_registry.PairClassifier] = {}


def resolve_perturbations(kg, genes: Iterable[object], screened: Iterable[str] = (),
                          what: str = "perturbation") -> list[str]:
    """The names under which knockdowns of ``genes`` are scored, or one clear error.

    Goes through :func:`pqstats.knowledge.symbols.resolve_gene_names`: a perturbation of
    the screen (``screened``) keeps the screen's own symbol, so it is scored exactly as
    the benchmark scores it (and ``MRTL``, ``myc`` or ``ENSG00000136997`` become the
    screen's ``MYC``); any other gene must be a gene of the knowledge graph (official
    symbol, alias or Ensembl id, any case).

    Raises
    ------
    UnknownGeneError
        Naming every name that is not a gene of the graph (with the closest symbols), or
        :class:`AmbiguousGeneError` for aliases several genes share.
    """
    screened = sorted(set(screened))
    return resolve_gene_names(
        genes, kg.mapper, among=[*screened, *kg.genes], where="a gene of the knowledge graph",
        why=" (it has no edges in any source); pqstats cannot predict its knockdown",
        what=what, suggest=kg.genes)


def resolve_perturbation(kg, gene: str, screened: Iterable[str] = ()) -> str:
    """:func:`resolve_perturbations` for one gene."""
    return resolve_perturbations(kg, [gene], screened)[0]


def default_track(cell_line: str | Screen, track: str | None = None) -> str:
    """The track to score ``cell_line`` on: ``track``, or the default for the screen.

    A screen with labels defaults to ``strict``; a screen that has only readout genes
    (imported with ``--format genes``) to ``zero-shot``, the only track it can use:
    asking it for ``strict`` or ``transfer`` raises :class:`UnlabelledScreenError`.
    """
    screen = get_screen(cell_line)
    if track is None:
        return "strict" if screen.labelled else model_registry.ZERO_SHOT
    if not screen.labelled and track != model_registry.ZERO_SHOT:
        raise UnlabelledScreenError(unlabelled_message(
            screen, f"its own training labels (the {track} track)"))
    return track


def _measured_genes(dataset: str) -> list[str]:
    """Readouts of a dataset's DE training split (sorted): what a model has outcomes for.

    A screen without labels: the readout genes it lists (``genes.txt``).
    """
    if not get_screen(dataset).labelled:
        return measured_genes(dataset)
    pairs = load_pairs(dataset, "de")
    return sorted(pairs.loc[pairs["split"] == "train", "gene"].unique())


def resolve_readout_genes(cell_line: str, genes: Iterable[object], kg=None) -> list[str]:
    """Readout genes named by a person, in the screen's own spelling, or one clear error.

    Names resolve like perturbations (:func:`pqstats.knowledge.symbols.resolve_gene_names`:
    any case, aliases, Ensembl ids), then must be readouts that the screen's training
    split measured (``k562_set``: its gene programmes). A gene no training knockdown
    measured has no base rate and no outcome to learn from, so it is refused rather than
    scored as though it were known.

    Raises
    ------
    UnknownGeneError
        Naming every unusable name: unknown (with the closest readouts),
        :class:`AmbiguousGeneError`, or :class:`UnmeasuredGeneError` (a real gene the
        screen did not measure).
    """
    dataset = resolve_screen(cell_line)
    if kg is None:
        from pqstats.features.pairs import load_graph

        kg = load_graph()
    screen = get_screen(dataset)
    readout = "gene programme" if screen.readout == "programmes" else "gene"
    return resolve_gene_names(
        genes, kg.mapper, among=_measured_genes(dataset),
        where=(f"a readout {readout} of the {dataset} training split" if screen.labelled
               else f"a readout gene listed for the {dataset} screen"),
        why=(": no training knockdown measured it, so it has no base rate and no outcome to "
             "learn from (the measured readouts are the genes `pqstats predict` scores by "
             "default)"),
        what="readout", outside=UnmeasuredGeneError)


def screen_perturbations(cell_line: str) -> set[str]:
    """Every perturbation of a screen's tables (both splits; a missing Dir table is
    skipped; none for a screen without labels)."""
    from pqstats._fetch import DataUnavailableError

    if not get_screen(cell_line).labelled:
        return set()
    names = set(load_pairs(cell_line, "de")["pert"])
    try:
        names |= set(load_pairs(cell_line, "dir")["pert"])
    except DataUnavailableError:
        pass
    return names


def readout_genes(cell_line: str) -> list[str]:
    """Genes the cell line's DE screen measured in its training split (sorted).

    These are the genes a model has outcomes for; genes outside them would only get the
    screen's base rate. A screen without labels: the readout genes it lists.
    """
    return _measured_genes(resolve_screen(cell_line, readout="genes"))


def screen_model(cell_line: str | Screen, task: str, model: str = "xgboost",
                 track: str | None = None, cache: bool = True, verbose: bool = False,
                 calibrate: bool = False
                 ) -> model_registry.PairClassifier:
    """The benchmark model for one cell line and task, fitted on its full training split.

    Parameters
    ----------
    cell_line : str or Screen
        A registered screen (any readout: ``k562_set`` models programmes).
    task : {"de", "dir"}
    model : str
        A registered model name (``pqstats models``).
    track : {"strict", "transfer", "zero-shot"}, optional
        Zero-shot, no label of ``cell_line`` reaches the fit. Default
        (:func:`default_track`): strict, or zero-shot for a screen without labels (which
        refuses the other tracks).
    cache : bool
        Reuse a model fitted earlier (in this process or on disk).
    verbose : bool
        Say on standard error when a model has to be fitted (a minute or so).
    calibrate : bool
        Wrap the model in :class:`~pqstats.models.CalibratedModel` (probabilities
        calibrated on training data only; ``calibration_note_`` says how).

    Returns
    -------
    PairClassifier
        Fitted; ``train_pairs_`` holds the pairs it was trained on.
    """
    import joblib

    from pqstats._fetch import data_dir
    from pqstats._io import atomic_write
    from pqstats.fit_cache import fit_cache_key

    screen = get_screen(cell_line)  # the one resolution of the name
    dataset = screen.name
    track = default_track(screen, track)
    if screen.labelled:
        pairs = load_pairs(dataset, task)
        train = pairs.loc[pairs["split"] == "train", ["pert", "gene", "label"]]
    else:
        train = pd.DataFrame({"pert": pd.Series(dtype=str), "gene": pd.Series(dtype=str),
                              "label": pd.Series(dtype="int8")})
    if track == "zero-shot":  # no label of the screen: the model learns from other screens
        train = train.iloc[:0]
    estimator = model_registry.for_cell(model_registry.get(model), dataset, task, track,
                                        calibrate=calibrate)
    params = estimator.get_params(deep=False) if calibrate else estimator.get_params()
    if calibrate:  # the wrapper's settings and the wrapped model's parameters
        params = {**{k: v for k, v in params.items() if k != "estimator"},
                  "estimator": estimator.estimator.get_params()}
    key = fit_cache_key(model, params, (dataset, task, track), train)
    if cache and key in _MODELS:
        return _MODELS[key]
    path = data_dir() / "cache" / "models" / f"{key}.joblib"
    fitted = None
    if cache and path.is_file():
        try:
            fitted = joblib.load(path)
        except Exception as err:  # noqa: BLE001 - an unreadable entry is refitted
            print(f"refitting: the cached model {path} is unreadable ({err})",
                  file=sys.stderr)
    if fitted is None:
        if verbose:
            print(f"fitting {model} on the {dataset} {task.upper()} training split "
                  f"({len(train):,} pairs; cached afterwards) ...", file=sys.stderr, flush=True)
        fitted = estimator.fit(train[["pert", "gene"]], train["label"].to_numpy())
        fitted.train_pairs_ = train.reset_index(drop=True)
        if cache:
            try:
                atomic_write(path, lambda tmp: joblib.dump(fitted, tmp))
            except OSError as err:  # a read-only cache costs the cache, never the answer
                print(f"warning: the fitted model was not cached ({path.parent}: "
                      f"{err.strerror or err}); it is refitted next time", file=sys.stderr)
    if cache:
        _MODELS[key] = fitted
    return fitted


# --- what drives a score --------------------------------------------------------------
def feature_contributions(model, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                np.ndarray, str]:
    """Additive contributions of each feature to each pair's score.

    * ``xgboost``: tree SHAP values (``pred_contribs``), in log-odds;
    * ``logistic``: coefficient x standardised value, in log-odds;
    * ``knn_retrieval``: the gene's base rate and the smoothed retrieval score, which add
      up to the score (probability scale).

    Returns
    -------
    (values, contributions, bias, scale)
        Feature values and contributions (DataFrames, one row per pair, one column per
        feature), the per-pair bias term, and ``"log-odds"`` or ``"probability"``.
    """
    if hasattr(model, "classifier_"):
        values = model.featurizer_.transform(pairs)[model.feature_names_]
        x = values.to_numpy(np.float32)
        clf = model.classifier_
        if hasattr(clf, "get_booster"):
            import xgboost as xgb

            raw = clf.get_booster().predict(xgb.DMatrix(x), pred_contribs=True)
            contrib, bias = raw[:, :-1], raw[:, -1]
        else:
            scaler, logit = clf[0], clf[-1]
            contrib = scaler.transform(x) * logit.coef_[0][None, :]
            bias = np.full(len(x), float(logit.intercept_[0]))
        return (values.reset_index(drop=True),
                pd.DataFrame(contrib, columns=model.feature_names_),
                np.asarray(bias, dtype=float), "log-odds")
    if hasattr(model, "terms"):
        f = model.terms(pairs)
        return f, f.copy(), np.zeros(len(f)), "probability"
    raise TypeError(f"{type(model).__name__} has no feature contributions; use xgboost, "
                    "logistic or knn_retrieval")


def describe_feature(name: str, value: float, pert: str, gene: str) -> str:
    """One plain sentence saying what a pair feature's value means."""
    for prefix, what in (("de_", "DE outcomes (whether genes change at all)"),
                         ("dir_", "Dir outcomes (which way changed genes go)")):
        if name.startswith(prefix):  # de_outcomes / dir_outcomes: the screen's other task
            return (f"in this screen's {what}: "
                    + describe_feature(name[len(prefix):], value, pert, gene))
    space, kind = "", name
    for suffix in _RETRIEVAL_KINDS:
        if name.endswith("_" + suffix):
            space, kind = name[: -len(suffix) - 1], suffix
            break
    where = SPACE_LABELS.get(space, space)
    if space.startswith("zs_"):  # zero-shot: other studies' screens
        where = f"{SPACE_LABELS.get(space[3:], space[3:])}, in other studies' screens"
    if space.startswith("response_"):  # transfer track: another screen's responses
        where = f"their responses in the {space.removeprefix('response_')} screen"
    v = float(value)
    if kind == "retrieval":
        return (f"under training knockdowns similar to {pert} by {where}, {gene} changed "
                f"{'more' if v >= 0 else 'less'} often than its base rate ({v:+.3f})")
    if kind == "retrieval_smooth":
        return (f"under knockdowns similar to {pert} by {where}, genes that respond like "
                f"{gene} changed {'more' if v >= 0 else 'less'} often than usual ({v:+.3f})")
    if kind == "retrieval_sharp":
        return (f"under the knockdowns closest to {pert} by {where}, {gene} changed "
                f"{'more' if v >= 0 else 'less'} often than its base rate ({v:+.3f})")
    if kind == "ridge":
        return (f"a ridge regression from knowledge profiles ({where}) to training responses "
                f"predicts that {gene} changes {'more' if v >= 0 else 'less'} often than its "
                f"base rate under {pert} ({v:+.3f})")
    if kind == "ridge_smooth":
        return (f"that ridge regression ({where}) predicts that genes responding like {gene} "
                f"change {'more' if v >= 0 else 'less'} often than usual under {pert} "
                f"({v:+.3f})")
    if kind == "ridge_strength":
        return (f"that ridge regression ({where}) predicts that {pert} changes "
                f"{'more' if v >= 0 else 'fewer'} of the genes it measures than the average "
                f"knockdown ({v:+.3f})")
    if kind == "support":
        return (f"similarity-weighted number of related training knockdowns that measured "
                f"{gene} ({where}): {v:.2f}")
    if kind == "strength":
        return (f"knockdowns similar to {pert} ({where}) changed {v:.0%} of the genes they "
                "measured")
    if kind == "max_similarity":
        return f"{pert}'s closest training knockdown by {where} has similarity {v:.2f}"
    sentences = {
        "gene_rate": f"{gene} changed in {v:.0%} of the training knockdowns that measured it",
        "ppi_edge": (f"{pert} and {gene} interact physically" if v > 0 else
                     f"{pert} and {gene} have no direct protein interaction"),
        "ppi_shared_partners": f"{pert} and {gene} share {v:.0f} interaction partners",
        "ppi_distance": (f"{pert} and {gene} are {v:.0f} interaction steps apart"
                         if v < 4 else f"{pert} and {gene} are 4 or more interaction steps "
                         "apart (or unconnected)"),
        "trrust_sign": ({1.0: f"{pert} is a transcription factor activating {gene} (TRRUST)",
                         -1.0: f"{pert} is a transcription factor repressing {gene} (TRRUST)",
                         0.5: f"{pert} regulates {gene}, sign unknown (TRRUST)"}
                        .get(v, f"{pert} is not a known regulator of {gene} (TRRUST)")),
        "shared_complex": f"{pert} and {gene} share {v:.0f} CORUM complex(es)",
        "shared_pathway": f"{pert} and {gene} share {v:.0f} pathway(s) or hallmark set(s)",
        "go_cosine": f"GO-annotation similarity of {pert} and {gene}: {v:.2f}",
        "all_cosine": f"whole-graph profile similarity of {pert} and {gene}: {v:.2f}",
        "pert_in_graph": (f"{pert} is in the knowledge graph" if v > 0 else
                          f"{pert} is not in the knowledge graph"),
        "pert_is_member": f"share of the programme's genes that are {pert} itself: {v:.2f}",
        "zero_shot_logit": (f"the zero-shot model (other studies' screens only) gives "
                            f"{pert} → {gene} a probability of {1 / (1 + np.exp(-v)):.0%}"),
    }
    return sentences.get(name, f"{name} = {v:.3g}")


def _main_evidence(model, pairs: pd.DataFrame, pert: str) -> list[str]:
    """The largest contribution of each pair besides the gene's base rate, in words."""
    try:
        values, contrib, _, _ = feature_contributions(model, pairs)
    except TypeError:
        return [""] * len(pairs)
    c = contrib.to_numpy()
    # the gene's base rate has its own column: name the knockdown-specific evidence
    top = np.abs(np.where(contrib.columns == "gene_rate", 0.0, c)).argmax(1)
    names = contrib.columns
    return [f"{'raises' if c[i, j] >= 0 else 'lowers'}: "
            f"{describe_feature(names[j], values.iat[i, j], pert, g)}"
            for i, (j, g) in enumerate(zip(top, pairs["gene"], strict=True))]


def predict_knockdown(cell_line: str, pert: str, genes: Iterable[str] | None = None,
                      model: str = "xgboost", track: str | None = None,
                      evidence: bool = True, verbose: bool = False) -> pd.DataFrame:
    """Score genes for a knockdown of ``pert``: P(DE), P(up | DE) and the main evidence.

    Parameters
    ----------
    cell_line : str
        A registered screen that reads out genes.
    pert : str
        Gene to knock down: a symbol, alias or Ensembl id the knowledge graph knows (any
        case; see :func:`resolve_perturbations`).
    genes : iterable of str, optional
        Readout genes to score; default :func:`readout_genes` of the cell line. Names
        resolve as in :func:`resolve_readout_genes`; a gene the screen did not measure
        is refused.
    model, track : str
        The benchmark model and track (default :func:`default_track`: strict, or
        zero-shot for a screen without labels).
    verbose : bool
        Say on standard error when a model has to be fitted.
    evidence : bool
        Add the ``evidence`` column: the largest contribution to P(DE) other than the
        gene's base rate, as a sentence.

    Returns
    -------
    pandas.DataFrame
        Columns ``gene, p_de, p_up, base_rate, lift, evidence, in_training`` sorted by
        ``p_de`` (highest first). ``base_rate`` is the share of training knockdowns that
        changed the gene (NaN if none measured it; zero-shot, the training knockdowns of
        the other studies' screens that fed the model) and ``lift = p_de - base_rate`` what
        this knockdown adds to it: many genes (ribosomal, glycolytic) change under most
        knockdowns, so ``lift`` ranks the knockdown-specific responders. ``in_training``
        marks genes whose pair with ``pert`` was a training pair (the model has seen its
        outcome); ``attrs`` hold the cell line, perturbation, model and track, and
        ``source_screens``: every other screen whose training split fed the model.

    Raises
    ------
    UnknownGeneError
        ``pert`` is not a gene of the knowledge graph, or names in ``genes`` are not
        measured readouts (all named at once).
    """
    from pqstats.features.pairs import load_graph

    screen = get_screen(cell_line, readout="genes")  # the one resolution of the name
    cell_line = screen.name
    track = default_track(screen, track)
    screened = screen_perturbations(cell_line)  # an unavailable screen stops here
    kg = load_graph()
    symbol = resolve_perturbation(kg, pert, screened)
    if genes is None:
        genes = readout_genes(cell_line)
    else:
        genes = list(genes)
        if not genes:
            raise ValueError("no genes to score: give at least one readout gene")
        genes = list(dict.fromkeys(resolve_readout_genes(cell_line, genes, kg)))
    pairs = pd.DataFrame({"pert": symbol, "gene": genes})
    de_model = screen_model(screen, "de", model, track, verbose=verbose)
    dir_model = screen_model(screen, "dir", model, track, verbose=verbose)
    seen = de_model.train_pairs_
    base_rate = _rate_source(de_model, seen).groupby("gene")["label"].mean()
    out = pd.DataFrame({
        "gene": genes,
        "p_de": de_model.score_pairs(pairs),
        "p_up": dir_model.score_pairs(pairs),
        "base_rate": pd.Series(genes).map(base_rate).to_numpy(dtype=float),
    })
    out["lift"] = out["p_de"] - out["base_rate"]
    if evidence:
        out["evidence"] = _main_evidence(de_model, pairs, symbol)
    seen_genes = set(seen.loc[seen["pert"] == symbol, "gene"])
    out["in_training"] = out["gene"].isin(seen_genes)
    out = out.sort_values(["p_de", "gene"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(cell_line=cell_line, pert=symbol, model=model, track=track,
                     pert_screened=bool(len(seen_genes)),
                     evidence_screens=evidence_screens(de_model),
                     source_screens=source_screens(de_model))
    return out


def evidence_screens(model) -> list[str]:
    """The other studies' screens whose training splits fed a zero-shot model (else [])."""
    return list(getattr(getattr(model, "featurizer_", None), "sources_", []) or [])


def source_screens(model) -> list[str]:
    """Every other screen whose training split fed ``model``, on any track (else []).

    The zero-shot sources, and on the transfer track the screens of its transfer features
    and of its zero-shot member; in the order first met.
    """
    feat = getattr(model, "featurizer_", None)
    found = list(getattr(feat, "sources_", []) or [])
    for part in (getattr(feat, "transfer_", None),
                 getattr(getattr(feat, "zero_shot_", None), "featurizer_", None)):
        found += list(getattr(part, "sources_", []) or [])
    return list(dict.fromkeys(found))


def _rate_source(model, seen: pd.DataFrame) -> pd.DataFrame:
    """Pairs the base rates come from: the fit's own, or zero-shot the sources' training
    pairs (never a label of the target)."""
    train = getattr(getattr(model, "featurizer_", None), "train_", None)
    if len(seen) or not train:
        return seen
    return pd.concat([t[["gene", "label"]] for t in train.values()], ignore_index=True)


def responder_themes(predictions: pd.DataFrame, top: int = 50, by: str = "lift",
                     libraries: Sequence[str] | None = None,
                     max_size: int = 500, alpha: float = 0.05) -> pd.DataFrame:
    """Enriched themes among the ``top`` predicted responders (hypergeometric ORA).

    Parameters
    ----------
    predictions : DataFrame
        :func:`predict_knockdown` output.
    top : int
        Number of responders, taken from the top of ``by``.
    by : {"lift", "p_de"}
        ``lift`` (default) takes the genes this knockdown is predicted to change beyond
        their usual rate, so the themes are specific to it; ``p_de`` takes the most likely
        changed genes, which are dominated by genes that respond to almost any knockdown.
    libraries : sequence of str, optional
        Gene-set libraries (:data:`pqstats.knowledge.LIBRARIES`); default
        :data:`THEME_LIBRARIES` less any whose source ``$PQSTATS_EXCLUDE_SOURCES`` leaves
        out (naming an excluded library is an error).
    max_size : int
        Largest set tested (genes in the background).
    alpha : float
        Keep themes with a Benjamini-Hochberg adjusted p-value below it.

    Returns
    -------
    pandas.DataFrame
        :func:`pqstats.enrichment.ora` rows, best first (possibly empty). The background is
        every scored gene, so a theme is enriched relative to the genes that could have
        been predicted.
    """
    from pqstats.enrichment import ora

    top = check_int(top, "top")
    if by not in ("lift", "p_de"):
        raise ValueError(f"by must be 'lift' or 'p_de', got {by!r}")
    ranked = predictions.sort_values([by, "gene"], ascending=[False, True], kind="stable",
                                     na_position="last")
    responders = ranked["gene"].head(top).tolist()
    if libraries is None:
        from pqstats.knowledge.genesets import allowed_libraries

        libraries = allowed_libraries(THEME_LIBRARIES)
        if not libraries:
            raise ValueError(f"$PQSTATS_EXCLUDE_SOURCES leaves none of the theme libraries "
                             f"{', '.join(THEME_LIBRARIES)}; name other libraries")
    result = ora(responders, list(libraries), background=predictions["gene"].tolist(),
                 min_size=5, max_size=max_size, min_overlap=2)
    result = result[result["Adjusted P-value"] < alpha]
    return result.sort_values("P-value", kind="stable").reset_index(drop=True)
