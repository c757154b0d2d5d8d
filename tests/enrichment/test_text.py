"""ROUGE-1 against Google's rouge-score, term cleaning, and the offline MiniLM similarity."""

from __future__ import annotations

import numpy as np
import pytest

from pqstats.enrichment import clean_term, rouge1, semantic_similarity, tokenize

PAIRS = [
    ("INO80 chromatin remodeling complex", "INO80 complex"),
    ("mRNA Methylation", "m6A mRNA methylation"),
    ("Processing of Capped Intron-Containing Pre-mRNA", "mRNA polyadenylation"),
    ("", "translation"),
    ("translation translation translation", "translation, translation and more"),
    ("NF-kB signaling (TNFA via NFKB)", "NFkB signaling"),
    ("40S ribosomal subunit, cytoplasmic", "40S ribosomal subunit, cytoplasmic"),
]


def test_rouge1_hand_computed():
    # reference tokens: m6a mrna methylation (3); overlap: mrna, methylation
    assert rouge1("mRNA Methylation", "m6A mRNA methylation") == {
        "precision": 1.0, "recall": 2 / 3, "f1": 0.8}
    # counts are clipped: 'a' occurs once in the reference
    r = rouge1("a a a b", "a b b c-d")
    assert r["recall"] == pytest.approx(2 / 5) and r["precision"] == pytest.approx(2 / 4)
    assert rouge1("", "x") == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert tokenize("NF-κB / TNFα, H2AFZ") == ["nf", "b", "tnf", "h2afz"]


@pytest.mark.parametrize("prediction, reference", PAIRS)
def test_rouge1_equals_rouge_score(prediction, reference):
    from rouge_score import rouge_scorer
    ref = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=False).score(reference, prediction)
    mine = rouge1(prediction, reference)
    assert mine["recall"] == pytest.approx(ref["rouge1"].recall, rel=1e-12, abs=0)
    assert mine["precision"] == pytest.approx(ref["rouge1"].precision, rel=1e-12, abs=0)
    assert mine["f1"] == pytest.approx(ref["rouge1"].fmeasure, rel=1e-12, abs=0)


@pytest.mark.parametrize(
    "term, library, expected",
    [
        ("mRNA Methylation (GO:0080009)", "enrichr_go_bp_2023", "mRNA Methylation"),
        ("HALLMARK_MTORC1_SIGNALING", "hallmark", "MTORC1 signaling"),
        ("HALLMARK_TNFA_SIGNALING_VIA_NFKB", "hallmark", "TNFA signaling via NFKB"),
        ("HALLMARK_MYC_TARGETS_V1", "hallmark", "MYC targets V1"),
        ("2 LTR circle formation (R-HSA-164843)", "reactome", "2 LTR circle formation"),
        ("Ragulator complex (CORUM:3296)", "corum", "Ragulator complex"),
        ("Ino80 complex (GO:0031011)", "go_cc", "Ino80 complex"),
        ("ACE Inhibitor Pathway WP554", None, "ACE Inhibitor Pathway"),
        ("Processing-of-Capped-Intron-Containing-Pre-mRNA", "reactome",
         "Processing of Capped Intron Containing Pre mRNA"),
        ("Cholesterol Biosynthesis Pathway WP197", "wikipathways_2023",
         "Cholesterol Biosynthesis Pathway"),
        ("MYC 18555785 ChIP-Seq MESCs Mouse", "chea_2022", "MYC targets"),
        ("INO80 chromatin remodeling complex", "corum", "INO80 chromatin remodeling complex"),
        ("nonsense-mediated decay", "go_bp", "nonsense-mediated decay"),
    ],
)
def test_clean_term(term, library, expected):
    assert clean_term(term, library) == expected


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rouge1(None, "x"), "string"),
        (lambda: rouge1("x", 3), "string"),
        (lambda: clean_term(5), "string"),
        (lambda: semantic_similarity(["a", "b"], ["a"]), "2 predictions but 1 references"),
    ],
)
def test_invalid_text_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_minilm_cosine_offline():
    # needs the `text` extra, which `make setup` installs
    sims = semantic_similarity(
        ["INO80 chromatin remodeling complex", "proteasome", "cholesterol homeostasis"],
        ["INO80 chromatin remodeling complex", "proteasome complex", "DNA replication"],
    )
    assert sims.shape == (3,)
    assert sims[0] == pytest.approx(1.0, abs=1e-5)  # identical text, unit vectors
    assert sims[1] > 0.6 > sims[2]  # near-synonyms beat unrelated processes
    assert np.all(np.abs(sims) <= 1 + 1e-6)
