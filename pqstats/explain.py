"""Explain one prediction with evidence a biologist can check.

For a knockdown of ``pert`` and a readout ``gene`` in a cell line, :func:`explain` gathers

1. **similar training knockdowns** — the screened perturbations closest to ``pert`` in
   each knowledge similarity space the model uses, and what they did to ``gene``
   (changed it, left it unchanged, or did not measure it). These are the outcomes the
   retrieval features average, and they come from the training split only;
2. **knowledge-graph paths** between ``pert`` and ``gene`` — direct edges first (protein
   interaction, TF regulation), then two-step paths through a shared complex, pathway or
   GO term, or through an interaction partner, most specific first;
3. **the model's largest feature contributions** — XGBoost tree SHAP values
   (``pred_contribs``) or logistic coefficient x standardised value, each with the
   feature's value in words.

:class:`Explanation` holds the three tables; ``str(explanation)`` renders sentences and
:meth:`Explanation.to_dict` a JSON-ready structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pqstats._checks import check_int
from pqstats.predict import (
    SPACE_LABELS,
    default_track,
    describe_feature,
    evidence_screens,
    feature_contributions,
    resolve_perturbation,
    resolve_readout_genes,
    screen_model,
    screen_perturbations,
)
from pqstats.screens import resolve_screen

__all__ = ["Explanation", "explain", "similar_training_knockdowns", "knowledge_paths"]

#: Gene–gene edge types (prefixes) walked by :func:`knowledge_paths`, with their wording.
GENE_EDGES: dict[str, str] = {
    "ppi:bioplex": "interacts with (BioPlex)",
    "ppi:huri": "interacts with (HuRI)",
    "ppi:string": "interacts with (STRING)",
    "regulates:trrust": "regulates (TRRUST)",
}
#: Term edge types (prefixes) walked by :func:`knowledge_paths`.
TERM_EDGES: tuple[str, ...] = ("complex", "pathway", "geneset:hallmark", "go")


@dataclass
class Explanation:
    """Why a pair got its score: neighbours, paths and feature contributions.

    Attributes
    ----------
    cell_line, task, pert, gene, model : str
    score : float
        The model's score (P(DE) or P(up)).
    base_rate : float
        Share of training knockdowns that changed ``gene`` (NaN if none measured it).
    neighbours : DataFrame
        ``space, training_pert, similarity, outcome`` (``outcome``: 1 changed / up, 0 not
        changed / down, NaN not measured), most similar first within each space.
    paths : DataFrame
        ``length, path, edge_types, specificity`` — shortest first, then most specific.
    contributions : DataFrame
        ``feature, value, contribution, sentence`` by decreasing absolute contribution.
    scale : str
        Unit of the contributions (``"log-odds"`` or ``"probability"``).
    track : str
        The track the model was fitted on.
    evidence_screens : list of str
        The screens whose training outcomes the model used: ``cell_line`` itself on the
        strict track, the other studies' screens zero-shot (``neighbours`` then has a
        ``screen`` column naming the screen of each knockdown).
    """

    cell_line: str
    task: str
    pert: str
    gene: str
    model: str
    score: float
    base_rate: float
    neighbours: pd.DataFrame
    paths: pd.DataFrame
    contributions: pd.DataFrame
    scale: str
    notes: list[str] = field(default_factory=list)
    track: str = "strict"
    evidence_screens: list[str] = field(default_factory=list)

    def sentences(self, n_neighbours: int = 5, n_paths: int = 5,
                  n_features: int = 5) -> list[str]:
        """The explanation as plain sentences."""
        what = "changes" if self.task == "de" else "goes up"
        label = "P(DE)" if self.task == "de" else "P(up | DE)"
        out = [f"{self.model} predicts {label} = {self.score:.2f} that {self.gene} {what} "
               f"when {self.pert} is knocked down in {self.cell_line.upper()}"
               + ("." if np.isnan(self.base_rate) else
                  f" (it {what} in {self.base_rate:.0%} of the training knockdowns "
                  + ("that measured it)." if self.task == "de" else "that changed it)."))]
        if self.track == "zero-shot":
            out.append(f"Zero-shot: no label of {self.cell_line} was used; the evidence comes "
                       f"from the training splits of the screens "
                       f"{', '.join(self.evidence_screens)} (other studies).")
        measured = self.neighbours.dropna(subset=["outcome"])
        by = ["screen", "space"] if "screen" in measured else ["space"]
        for key, grp in measured.groupby(by, sort=False):
            screen, space = key if len(by) == 2 else (None, key[0] if isinstance(key, tuple)
                                                      else key)
            grp = grp.head(n_neighbours)
            hits = ", ".join(f"{r.training_pert} ({r.similarity:.2f}: "
                             f"{_outcome_word(r.outcome, self.task)})"
                             for r in grp.itertuples())
            where = f" in the {screen} screen" if screen else ""
            out.append(f"Most similar screened knockdowns{where} by "
                       f"{SPACE_LABELS.get(space, space)} that measured {self.gene}: {hits}.")
        if measured.empty:
            out.append(f"No similar training knockdown measured {self.gene}.")
        if len(self.paths):
            out.append(f"Knowledge-graph paths from {self.pert} to {self.gene}:")
            out += [f"  {p}" for p in self.paths["path"].head(n_paths)]
        else:
            out.append(f"No path of one or two steps links {self.pert} and {self.gene} in "
                       "the knowledge graph.")
        out.append(f"Largest contributions to the score ({self.scale}):")
        for r in self.contributions.head(n_features).itertuples():
            out.append(f"  {r.contribution:+.3f}  {r.sentence}")
        return out + self.notes

    def __str__(self) -> str:
        return "\n".join(self.sentences())

    def to_dict(self) -> dict:
        """JSON-ready dictionary (tables as lists of records)."""
        def records(df: pd.DataFrame) -> list[dict]:
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                     for k, v in row.items()} for row in df.to_dict("records")]

        return {
            "cell_line": self.cell_line, "task": self.task, "pert": self.pert,
            "gene": self.gene, "model": self.model, "score": float(self.score),
            "base_rate": None if np.isnan(self.base_rate) else float(self.base_rate),
            "scale": self.scale, "neighbours": records(self.neighbours),
            "paths": records(self.paths.drop(columns="edge_types")),
            "contributions": records(self.contributions), "notes": list(self.notes),
            "track": self.track, "evidence_screens": list(self.evidence_screens),
        }


def _outcome_word(outcome: float, task: str) -> str:
    if task == "de":
        return "changed" if outcome >= 0.5 else "unchanged"
    return "up" if outcome >= 0.5 else "down"


def similar_training_knockdowns(model, pert: str, gene: str, n: int = 10) -> pd.DataFrame:
    """The training perturbations closest to ``pert`` and their outcome on ``gene``.

    Reads the fitted retrieval of ``model`` (its training perturbations, similarity
    spaces and outcomes), so only training perturbations can appear, named by the
    knowledge graph's current symbols.

    Returns
    -------
    pandas.DataFrame
        ``space, training_pert, similarity, outcome`` — per space the ``n`` most similar
        training perturbations that measured ``gene``, then (if fewer) those that did not
        (``outcome`` NaN). Zero-shot, per other study's screen, with a first column
        ``screen`` naming it.
    """
    zero_shot = getattr(getattr(model, "featurizer_", None), "retrievals_", None)
    if zero_shot:  # one retrieval per other study's screen: their knockdowns, named
        tables = [_neighbours(r, pert, gene, n).assign(screen=src)
                  for src, r in zero_shot.items()]
        return pd.concat(tables, ignore_index=True)[
            ["screen", "space", "training_pert", "similarity", "outcome"]]
    retrieval = getattr(model, "retrieval_", None)
    if retrieval is None:
        retrieval = getattr(getattr(model, "featurizer_", None), "retrieval_", None)
    if retrieval is None:
        raise TypeError(f"{type(model).__name__} does not retrieve training outcomes")
    return _neighbours(retrieval, pert, gene, n)


def _neighbours(retrieval, pert: str, gene: str, n: int) -> pd.DataFrame:
    """:func:`similar_training_knockdowns` for one fitted retrieval."""
    from pqstats.features.pairs import load_graph
    from pqstats.features.profiles import canonical_symbols

    query = canonical_symbols(load_graph(), [pert])  # as the model looks it up
    gi = retrieval.genes_.get_indexer([gene])[0]
    rows = []
    for prof, train_rows in zip(retrieval.profiles, retrieval.train_rows_, strict=True):
        sim = np.asarray((prof.rows(query) @ train_rows.T).todense()).ravel()
        if gi >= 0:
            measured = retrieval.mask_[:, gi] > 0
            outcome = np.where(measured, retrieval.residual_[:, gi] + retrieval.gene_rate_[gi],
                               np.nan)
        else:
            measured = np.zeros(len(sim), dtype=bool)
            outcome = np.full(len(sim), np.nan)
        # measured first, then by similarity; ties by name for determinism
        order = np.lexsort((retrieval.perts_.to_numpy(), -sim, ~measured))[:n]
        for k in order:
            if sim[k] <= 0:
                continue
            rows.append({"space": prof.space, "training_pert": retrieval.perts_[k],
                         "similarity": round(float(sim[k]), 4),
                         "outcome": float(np.round(outcome[k])) if measured[k] else np.nan})
    return pd.DataFrame(rows, columns=["space", "training_pert", "similarity", "outcome"])


def _edge_word(edge_type: str) -> str:
    for prefix, word in GENE_EDGES.items():
        if edge_type.startswith(prefix):
            return word
    return edge_type


def knowledge_paths(kg, pert: str, gene: str, max_paths: int = 10) -> pd.DataFrame:
    """Typed paths of one or two steps between two genes, shortest and most specific first.

    * one step: a direct gene–gene edge (protein interaction, TRRUST regulation);
    * two steps through a term: both genes belong to a complex, pathway, hallmark set or
      GO term (specificity = 1 / number of genes in the term);
    * two steps through a gene: both interact with (or are regulated with) a third gene
      (specificity = 1 / that gene's number of partners).

    Returns
    -------
    pandas.DataFrame
        ``length, path, edge_types, specificity`` (empty when nothing links them or a gene
        is not in the graph).
    """
    columns = ["length", "path", "edge_types", "specificity"]
    pert, gene = kg.resolve(pert), kg.resolve(gene)
    if pert is None or gene is None:
        return pd.DataFrame(columns=columns)
    rows = []
    gene_types = [t for t in kg.edge_types if t.startswith(tuple(GENE_EDGES))]
    partners_p: dict[str, list[str]] = {}
    partners_g: dict[str, list[str]] = {}
    for t in gene_types:
        for other in kg.neighbours(pert, t):
            partners_p.setdefault(other, []).append(t)
        for other in kg.neighbours(gene, t):
            partners_g.setdefault(other, []).append(t)
    for t in partners_p.get(gene, []):
        rows.append({"length": 1, "path": f"{pert} —{_edge_word(t)}→ {gene}",
                     "edge_types": [t], "specificity": 1.0})
    shared_terms = set(kg.gene_terms(pert, list(TERM_EDGES))) & set(
        kg.gene_terms(gene, list(TERM_EDGES)))
    for term in shared_terms:
        size = kg.term_size(term)
        kind = kg.term_type(term)
        rows.append({"length": 2,
                     "path": f"{pert} —member of→ {kg.term_label(term)} [{kind}] ←member of— "
                             f"{gene}",
                     "edge_types": [kind, kind], "specificity": 1.0 / max(size, 1)})
    for middle in (set(partners_p) & set(partners_g)) - {pert, gene}:
        degree = len(kg.neighbours(middle, gene_types))
        tp, tg = partners_p[middle][0], partners_g[middle][0]
        rows.append({"length": 2,
                     "path": f"{pert} —{_edge_word(tp)}→ {middle} ←{_edge_word(tg)}— {gene}",
                     "edge_types": [tp, tg], "specificity": 1.0 / max(degree, 1)})
    out = pd.DataFrame(rows, columns=columns)
    out = out.sort_values(["length", "specificity", "path"], ascending=[True, False, True],
                          kind="stable")
    return out.head(max_paths).reset_index(drop=True)


def explain(cell_line: str, pert: str, gene: str, task: str = "de", model: str = "xgboost",
            track: str | None = None, n_neighbours: int = 5, max_paths: int = 10,
            verbose: bool = False) -> Explanation:
    """Explain the score of one (knockdown, gene) pair.

    Parameters
    ----------
    cell_line : str
        A registered screen, of either readout (a programme screen such as ``k562_set``
        gets neighbours and contributions but no gene paths).
    pert, gene : str
        The knocked-down gene and the readout gene: symbols, aliases or Ensembl ids in any
        case (:func:`pqstats.predict.resolve_perturbations`,
        :func:`pqstats.predict.resolve_readout_genes`). The readout must be one the
        screen measured; ``k562_set`` takes its programme names.
    task : {"de", "dir"}
    model, track : str
        The benchmark model (``xgboost``, ``logistic`` or ``knn_retrieval``) and track
        (default :func:`pqstats.predict.default_track`: strict, or zero-shot for a screen
        without labels, whose explanation names the screens the evidence came from).
    n_neighbours : int
        Similar training knockdowns kept per similarity space.
    max_paths : int
        Knowledge-graph paths kept.
    verbose : bool
        Say on standard error when the model has to be fitted.

    Returns
    -------
    Explanation

    Raises
    ------
    pqstats.predict.UnknownGeneError
        ``pert`` is not a gene of the graph, or ``gene`` is not a measured readout.
    """
    from pqstats.features.pairs import load_graph

    cell_line = resolve_screen(cell_line)
    track = default_track(cell_line, track)
    n_neighbours = check_int(n_neighbours, "n_neighbours")
    max_paths = check_int(max_paths, "max_paths")
    screened = screen_perturbations(cell_line)  # an unavailable screen stops here
    kg = load_graph()
    symbol = resolve_perturbation(kg, pert, screened)
    gene = resolve_readout_genes(cell_line, [gene], kg)[0]
    fitted = screen_model(cell_line, task, model, track, verbose=verbose)
    pairs = pd.DataFrame({"pert": [symbol], "gene": [gene]})
    score = float(fitted.score_pairs(pairs)[0])
    values, contrib, _, scale = feature_contributions(fitted, pairs)
    table = pd.DataFrame({
        "feature": contrib.columns,
        "value": values.iloc[0].to_numpy(dtype=float),
        "contribution": contrib.iloc[0].to_numpy(dtype=float),
    })
    table["sentence"] = [describe_feature(f, v, symbol, gene)
                         for f, v in zip(table["feature"], table["value"], strict=True)]
    order = np.argsort(-np.abs(table["contribution"].to_numpy()), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    train = fitted.train_pairs_
    measured = train.loc[train["gene"] == gene, "label"]
    notes = []
    # only for Dir: the DE screen measured it (resolve_readout_genes)
    if measured.empty and track != "zero-shot":
        notes.append(f"Note: no training knockdown changed {gene}, so no direction of it "
                     "was seen; its score rests on the screen's base rate and the knowledge "
                     "graph.")
    if (train["pert"] == symbol).any():
        notes.append(f"Note: {symbol} was knocked down in the training screen, so its own "
                     "outcomes were part of the model's training data.")
    return Explanation(
        cell_line=cell_line, task=task, pert=symbol, gene=gene, model=model,
        score=score, base_rate=float(measured.mean()) if len(measured) else float("nan"),
        neighbours=similar_training_knockdowns(fitted, symbol, gene, n_neighbours),
        paths=knowledge_paths(kg, symbol, gene, max_paths), contributions=table,
        scale=scale, notes=notes, track=track,
        evidence_screens=evidence_screens(fitted) if track == "zero-shot" else [cell_line])
