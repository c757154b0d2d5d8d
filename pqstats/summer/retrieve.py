"""Retrieve: training pairs with known outcomes, chosen by knowledge-graph proximity.

For a query pair (p, g), examples are taken, in this order, until the budget ``k`` is
spent:

1. **same gene, similar knockdown** — gene g's training outcomes under the training
   perturbations p' most similar to p (at most ``same_gene`` of them);
2. **similar knockdown, similar gene** — training pairs (p', g') with p' among the
   ``similar_perts`` perturbations most similar to p and g' among the ``similar_genes``
   genes most similar to g, ranked by :math:`s(p, p')\\,s(g, g')`;
3. **fill** — the remaining training pairs of the most similar perturbations (ties:
   the gene most similar to g first).

Similarity :math:`s` is the cosine of knowledge profiles
(:class:`~pqstats.features.profiles.GeneProfiles`, TF-IDF rows of the knowledge graph).
Remaining ties are broken by name, so retrieval is deterministic.

Strict-track rules (``../shared/DESIGN.md``): :meth:`ExampleRetriever.fit` accepts only
training pairs of the dataset being scored (a ``split`` column with any other value is
an error), and a query never gets an example of its own perturbation. A query's examples
depend only on the query and the training data, never on the other queries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqstats.features.profiles import GeneProfiles

__all__ = ["RELATIONS", "ExampleRetriever"]

#: Step → the relation written in the ``relation`` column.
RELATIONS: tuple[str, ...] = ("same gene, similar knockdown",
                              "similar knockdown, similar gene",
                              "similar knockdown")


class ExampleRetriever:
    """Pick training outcomes to show the model for a query pair.

    Parameters
    ----------
    profiles : GeneProfiles
        Knowledge profiles of genes (e.g. ``gene_profiles(kg, "all")``).
    k : int
        Examples per query (the budget).
    same_gene : int, optional
        Most examples from step 1 (default: half of ``k``, rounded up).
    similar_perts, similar_genes : int
        Neighbourhood sizes of step 2.
    """

    def __init__(self, profiles: GeneProfiles, k: int = 8, same_gene: int | None = None,
                 similar_perts: int = 25, similar_genes: int = 25) -> None:
        self.profiles = profiles
        self.k = k
        self.same_gene = same_gene
        self.similar_perts = similar_perts
        self.similar_genes = similar_genes

    def fit(self, train: pd.DataFrame) -> ExampleRetriever:
        """Store the training pairs (``pert, gene, label``; ``split`` must be all train).

        Raises
        ------
        ValueError
            Test pairs were passed, or columns are missing.
        """
        if not isinstance(self.k, int) or self.k < 0:
            raise ValueError(f"k must be a non-negative integer, got {self.k!r}")
        missing = {"pert", "gene", "label"} - set(train.columns)
        if missing:
            raise ValueError(f"training pairs need columns pert, gene, label; missing "
                             f"{', '.join(sorted(missing))}")
        from pqstats.models import check_training_pairs

        check_training_pairs(train, "ExampleRetriever.fit")  # the rule every fit follows
        if "split" in train.columns and (train["split"] != "train").any():
            bad = sorted(train.loc[train["split"] != "train", "split"].astype(str).unique())
            raise ValueError(f"examples may come only from the training split (strict track); "
                             f"got rows with split {bad}. Pass pairs[pairs.split == 'train'].")
        t = train[["pert", "gene", "label"]].astype({"pert": str, "gene": str})
        t = t.sort_values(["pert", "gene"], kind="stable").reset_index(drop=True)
        self.train_ = t
        self.perts_ = pd.Index(np.unique(t["pert"].to_numpy()))
        self.genes_ = pd.Index(np.unique(t["gene"].to_numpy()))
        self.row_pert_ = self.perts_.get_indexer(t["pert"])
        self.row_gene_ = self.genes_.get_indexer(t["gene"])
        self._pert_rows = self.profiles.rows(self.perts_)
        self._gene_rows = self.profiles.rows(self.genes_)
        self._pert_sim: dict[str, np.ndarray] = {}
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "train_"):
            raise RuntimeError("call fit(train_pairs) before retrieve()")

    def pert_similarity(self, pert: str) -> np.ndarray:
        """Cosine of ``pert`` with every training perturbation (memoised)."""
        self._check_fitted()
        if pert not in self._pert_sim:
            q = self.profiles.rows([pert])
            self._pert_sim[pert] = np.asarray((q @ self._pert_rows.T).todense()).ravel()
        return self._pert_sim[pert]

    def gene_similarity(self, gene: str) -> np.ndarray:
        """Cosine of ``gene`` with every training gene."""
        self._check_fitted()
        q = self.profiles.rows([gene])
        return np.asarray((q @ self._gene_rows.T).todense()).ravel()

    def retrieve(self, pert: str, gene: str) -> pd.DataFrame:
        """The examples for the pair (``pert``, ``gene``).

        Returns
        -------
        pandas.DataFrame
            Up to ``k`` training pairs: ``pert, gene, label, relation,
            pert_similarity, gene_similarity``, in the order they are shown.
        """
        self._check_fitted()
        k = self.k
        t = self.train_
        if k == 0 or t.empty:
            return pd.DataFrame(columns=["pert", "gene", "label", "relation",
                                         "pert_similarity", "gene_similarity"])
        sp_all = self.pert_similarity(pert)
        sg_all = self.gene_similarity(gene)
        sp = sp_all[self.row_pert_]
        gi = self.genes_.get_loc(gene) if gene in self.genes_ else -1
        sg = sg_all[self.row_gene_]
        same = self.row_gene_ == gi
        sg = np.where(same, 1.0, sg)
        allowed = t["pert"].to_numpy() != pert  # never the query's own perturbation
        taken = np.zeros(len(t), dtype=bool)
        chosen: list[tuple[int, int]] = []  # (row, step)
        order_name = np.arange(len(t))  # rows are sorted by pert, gene: name tie-break

        def take(mask: np.ndarray, keys: tuple[np.ndarray, ...], limit: int, step: int) -> None:
            rows = np.flatnonzero(mask & allowed & ~taken)
            if not len(rows) or limit <= 0:
                return
            order = np.lexsort(tuple(key[rows] for key in (order_name, *keys)))
            for r in rows[order[:limit]]:
                taken[r] = True
                chosen.append((int(r), step))

        n_same = self.same_gene if self.same_gene is not None else (k + 1) // 2
        # lexsort: last key is primary
        take(same, (-sp,), min(n_same, k), 0)
        top_p = np.argsort(-sp_all, kind="stable")[: self.similar_perts]
        top_p = top_p[sp_all[top_p] > 0]
        top_g = np.argsort(-sg_all, kind="stable")[: self.similar_genes + 1]
        top_g = top_g[(sg_all[top_g] > 0) & (top_g != gi)][: self.similar_genes]
        near = np.isin(self.row_pert_, top_p) & np.isin(self.row_gene_, top_g)
        take(near, (-(sp * sg),), k - len(chosen), 1)
        take(np.ones(len(t), dtype=bool), (-sg, -sp), k - len(chosen), 2)
        rows = [r for r, _ in chosen]
        out = t.iloc[rows].reset_index(drop=True)
        out["relation"] = [RELATIONS[s] for _, s in chosen]
        out["pert_similarity"] = sp[rows].astype(float)
        out["gene_similarity"] = sg[rows].astype(float)
        return out
