"""Summer without a model: prompt construction, answer parsing, scoring, retrieval rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from pqstats.features.profiles import GeneProfiles
from pqstats.summer import (
    ExampleRetriever,
    gse_prompt,
    pair_prompt,
    parse_answer,
    parse_description,
    score_answers,
)
from pqstats.summer.clients import GenerationParams, ResponseCache

EXAMPLES = pd.DataFrame({"pert": ["POLR2A", "RPL3"], "gene": ["MYC", "MYC"], "label": [1, 0],
                         "relation": ["same gene, similar knockdown"] * 2})


# ------------------------------------------------------------------ prompts
def test_de_prompt_has_context_descriptions_examples_and_instruction():
    p = pair_prompt("de", "k562", "POLR2B", "MYC", "POLR2B (RNA polymerase II subunit B).",
                    "MYC (MYC proto-oncogene).", EXAMPLES)
    text = p.text()
    assert "K562" in text and "CRISPRi" in text
    assert "POLR2B (RNA polymerase II subunit B)." in text and "MYC (MYC proto-oncogene)." in text
    assert "- knockdown of POLR2A: MYC is differentially expressed" in text
    assert "- knockdown of RPL3: MYC is not differentially expressed" in text
    assert "is the gene MYC differentially expressed" in text
    assert '"Answer: Yes" or "Answer: No"' in text
    assert text.endswith("Reasoning:")
    msgs = p.messages()
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert "Reasoning:" not in msgs[1]["content"]


def test_dir_prompt_asks_up_or_down_and_shows_directions():
    p = pair_prompt("dir", "rpe1", "A", "B", "A.", "B.", EXAMPLES)
    text = p.text()
    assert "RPE-1" in text and "go up or down" in text
    assert "- knockdown of POLR2A: MYC is up" in text and "- knockdown of RPL3: MYC is down" in text
    assert '"Answer: Up" or "Answer: Down"' in text


def test_followups_carry_the_reasoning_and_ask_for_the_answer_only():
    p = pair_prompt("de", "k562", "A", "B", "A.", "B.")
    text = p.followup_text("  Both are ribosomal.  ")
    assert text.endswith("Reasoning: Both are ribosomal.\nSo:\n- knockdown of A: B is")
    msgs = p.followup_messages("Both are ribosomal.")
    assert msgs[2] == {"role": "assistant", "content": "Both are ribosomal."}
    assert "(Yes or No)" in msgs[3]["content"]


def test_prompt_without_examples_has_no_example_block():
    assert "Outcomes of related" not in pair_prompt("de", "k562", "A", "B", "A.", "B.").text()


def test_programme_prompt_says_gene_programme():
    p = pair_prompt("de", "k562_set", "A", "12-oxidative phosphorylation", "A.", "prog.")
    assert "the gene programme 12-oxidative phosphorylation" in p.text()


def test_gse_prompt_lists_genes_with_names_and_counts_the_rest():
    genes = [f"G{i}" for i in range(30)]
    text, msgs = gse_prompt("pert", genes, {"G0": "gene zero"}, max_genes=5)
    assert "G0 (gene zero); G1; G2; G3; G4 and 25 more" in text
    assert "these 30 genes whose knockdowns" in text
    assert text.endswith("Shared function:")
    assert msgs[-1]["role"] == "user" and "G0 (gene zero)" in msgs[-1]["content"]


@pytest.mark.parametrize("call, match", [
    (lambda: pair_prompt("gse", "k562", "A", "B", "", ""), "unknown task"),
    (lambda: pair_prompt("de", "mouse", "A", "B", "", ""), "unknown screen .mouse."),
    (lambda: gse_prompt("cells", ["A"]), "unknown cluster kind"),
    (lambda: parse_answer("Answer: yes", "gse"), "unknown task"),
    (lambda: GenerationParams(max_tokens=0), "max_tokens"),
    (lambda: GenerationParams(temperature=-1), "temperature"),
])
def test_bad_inputs_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize("text, task, expected", [
    ("Both genes are ribosomal.\nAnswer: Yes", "de", 1),
    ("answer: no", "de", 0),
    ("The answer is **Yes**.", "de", 1),
    ("Answer: \"No\"", "de", 0),
    ("Answer: Yes.\nOn reflection... Answer: No", "de", 0),  # the last answer counts
    ("Answer: Yes or No", "de", None),  # both options offered: no decision
    ("Answer: maybe", "de", None),
    ("I think it is differentially expressed.", "de", None),  # no answer line
    ("", "de", None),
    (None, "de", None),
    ("Answer: Up", "dir", 1),
    ("answer - down", "dir", 0),
    ("Answer: upregulated", "dir", 1),
    ("Answer: Up/Down", "dir", None),
    ("Answer: Yes", "dir", None),  # not an option of Dir
    ("Answer: Up", "de", None),  # not an option of DE
])
def test_parse_answer(text, task, expected):
    assert parse_answer(text, task) == expected


@pytest.mark.parametrize("text, task, expected", [
    (" Yes, because", "de", 1), ("no.", "de", 0), ("**Down**", "dir", 0), ("Up", "dir", 1),
    (" not differentially expressed", "de", 0), (" differentially expressed\n-", "de", 1),
    (" not sure", "de", None), (" not", "de", None),
    ("Maybe yes", "de", None), ("", "de", None), ("...", "dir", None),
])
def test_parse_first_word(text, task, expected):
    assert parse_answer(text, task, first_word=True) == expected


@pytest.mark.parametrize("text, expected", [
    (" cholesterol biosynthesis\nmore text", "cholesterol biosynthesis"),
    ('"Ribosome biogenesis."', "Ribosome biogenesis"),
    ("\n\n- mitochondrial translation", "mitochondrial translation"),
    ("", ""), (None, ""),
    (" ".join(["word"] * 40), " ".join(["word"] * 20)),
])
def test_parse_description(text, expected):
    assert parse_description(text) == expected


def test_score_is_the_mean_of_parsed_answers_with_an_explicit_fallback():
    assert score_answers([1, 0, 1]) == (pytest.approx(2 / 3), 0, False)
    assert score_answers([1, None, 0]) == (0.5, 1, False)
    assert score_answers([None, 1, None]) == (1.0, 2, False)
    assert score_answers([None, None, None], fallback=0.25) == (0.25, 3, True)


def test_cache_key_depends_on_model_endpoint_prompt_and_every_parameter():
    base = ResponseCache.key("m", "completions", "p", GenerationParams())
    assert base == ResponseCache.key("m", "completions", "p", GenerationParams())
    others = [ResponseCache.key("m2", "completions", "p", GenerationParams()),
              ResponseCache.key("m", "chat", "p", GenerationParams()),
              ResponseCache.key("m", "completions", "q", GenerationParams()),
              ResponseCache.key("m", "completions", "p", GenerationParams(seed=1)),
              ResponseCache.key("m", "completions", "p", GenerationParams(sample=1)),
              ResponseCache.key("m", "completions", "p", GenerationParams(max_tokens=7)),
              ResponseCache.key("m", "completions", "p", GenerationParams(temperature=0.0))]
    assert len({base, *others}) == 8


# ------------------------------------------------------------------ retrieval
def _toy_profiles() -> GeneProfiles:
    """Q (query pert) is closest to P1, then P2; gene G is closest to H1, then H2."""
    names = ["Q", "P1", "P2", "P3", "G", "H1", "H2", "H3"]
    rows = np.array([
        [1.0, 0.0, 0.0, 0.0],  # Q
        [0.95, 0.3, 0.0, 0.0],  # P1
        [0.6, 0.8, 0.0, 0.0],  # P2
        [0.0, 1.0, 0.0, 0.0],  # P3: unrelated to Q
        [0.0, 0.0, 1.0, 0.0],  # G
        [0.0, 0.0, 0.9, 0.43],  # H1
        [0.0, 0.0, 0.5, 0.86],  # H2
        [0.0, 0.0, 0.0, 1.0],  # H3
    ], dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return GeneProfiles("toy", pd.Index(names), sp.csr_matrix(rows))


def _toy_train() -> pd.DataFrame:
    perts, genes = ["P1", "P2", "P3"], ["G", "H1", "H2", "H3"]
    df = pd.DataFrame([(p, g) for p in perts for g in genes], columns=["pert", "gene"])
    df["label"] = (np.arange(len(df)) % 2).astype("int8")
    df["split"] = "train"
    return df


def test_retrieval_order_same_gene_then_similar_pair_then_fill():
    r = ExampleRetriever(_toy_profiles(), k=6, same_gene=2, similar_perts=2,
                         similar_genes=2).fit(_toy_train())
    ex = r.retrieve("Q", "G")
    assert list(zip(ex["pert"], ex["gene"], strict=True)) == [
        ("P1", "G"), ("P2", "G"),  # same gene under the most similar knockdowns
        ("P1", "H1"), ("P2", "H1"), ("P1", "H2"),  # similar knockdown x similar gene
        ("P2", "H2"),  # ranked by s(p,p') s(g,g'), then fill
    ]
    assert ex["relation"].iloc[0] == "same gene, similar knockdown"
    assert ex["relation"].iloc[2] == "similar knockdown, similar gene"
    assert len(ex) == 6 and not ex.duplicated(["pert", "gene"]).any()


def test_retrieval_budget_and_fill():
    r = ExampleRetriever(_toy_profiles(), k=12, same_gene=1).fit(_toy_train())
    ex = r.retrieve("Q", "G")
    assert len(ex) == 12  # every training pair, each once
    assert ex["relation"].iloc[-1] == "similar knockdown"
    assert len(ExampleRetriever(_toy_profiles(), k=0).fit(_toy_train()).retrieve("Q", "G")) == 0


def test_retrieval_never_uses_the_query_perturbation_or_test_pairs():
    train = _toy_train()
    r = ExampleRetriever(_toy_profiles(), k=20).fit(train)
    assert "P1" not in set(r.retrieve("P1", "G")["pert"])
    mixed = train.copy()
    mixed.loc[0, "split"] = "test"
    with pytest.raises(ValueError, match="test labels reach only the scorer"):
        ExampleRetriever(_toy_profiles()).fit(mixed)
    with pytest.raises(RuntimeError, match="fit"):
        ExampleRetriever(_toy_profiles()).retrieve("Q", "G")


def test_retrieval_of_a_pair_does_not_depend_on_other_queries():
    r1 = ExampleRetriever(_toy_profiles(), k=5).fit(_toy_train())
    alone = r1.retrieve("Q", "G")
    r2 = ExampleRetriever(_toy_profiles(), k=5).fit(_toy_train())
    r2.retrieve("P3", "H3")
    pd.testing.assert_frame_equal(alone, r2.retrieve("Q", "G"))


# ------------------------------------------------------------------ summarize
class _FakeGraph:
    """Only what describe_gene reads: gene_text."""

    def gene_text(self, gene, max_terms=10, max_interactors=20):
        return "\n".join([
            f"{gene} (ribosomal protein {gene}); also known as X1, X2. Type: protein-coding.",
            "Biological process (GO): cytoplasmic translation; translation.",
            "Reactome pathways: Peptide chain elongation (and 30 more).",
            "Hallmark gene sets: HALLMARK_MYC_TARGETS_V1.",
            "Regulated by (TRRUST): KHSRP (unknown).",
        ])


def test_describe_gene_keeps_name_and_chosen_sections_within_the_budget():
    from pqstats.summer import describe_gene

    text = describe_gene(_FakeGraph(), "RPL3")
    assert text.startswith("RPL3 (ribosomal protein RPL3). Biological process (GO):")
    assert "also known as" not in text and "protein-coding" not in text
    assert "Reactome pathways" in text and "Hallmark" not in text and "TRRUST" not in text
    # sections that do not fit are left out whole; the name line always stays
    assert describe_gene(_FakeGraph(), "RPL3", max_chars=80) == "RPL3 (ribosomal protein RPL3)."
    assert len(describe_gene(_FakeGraph(), "RPL3", max_chars=100)) <= 100


def test_condensed_descriptions_are_used_and_a_failure_keeps_the_graph_text():
    from pqstats.summer import GeneDescriber
    from pqstats.summer.clients import LLMClient, _Fault

    class Condenser(LLMClient):
        model = "condenser"

        def _request(self, prompt, params):
            if "gene RPL4" in prompt:
                raise _Fault("timeout", "slow")
            return "  It builds\nribosomes.  "

    client = Condenser(cache=False, retries=0)
    d = GeneDescriber(_FakeGraph(), client=client, programmes={"P1": ["A", "B"]})
    with pytest.warns(Warning, match="1 of 2 requests"):
        out = d.describe_many(["RPL3", "RPL4", "P1"])
    assert out["RPL3"] == "RPL3: It builds ribosomes."
    assert out["RPL4"].startswith("RPL4 (ribosomal protein RPL4). Biological process")
    assert out["P1"].startswith("P1: a gene programme of 2 co-regulated genes (A, B)")
    assert d("RPL3") == out["RPL3"] and client.stats["requests"] == 2  # memoised
