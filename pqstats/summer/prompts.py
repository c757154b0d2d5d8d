"""Summer's prompts (DE, Dir, GSE) and the parsing of the model's answers.

A pair prompt gives the model the cell-line context, the two gene descriptions
(:mod:`pqstats.summer.describe`) and retrieved training outcomes
(:mod:`pqstats.summer.retrieve`), asks it to reason step by step in a few sentences
(chain of thought), and to finish with ``Answer: Yes`` / ``Answer: No`` (DE) or
``Answer: Up`` / ``Answer: Down`` (Dir).

Answer extraction is two-stage (Kojima et al. 2022, "zero-shot chain of thought"): when
the reasoning does not end in a parseable answer (it was cut at the token budget, or the
model wandered), the prompt, the reasoning and an answer cue are sent again and the first
words of that short reply are read. For text prompts the cue repeats the examples' form
(``- knockdown of P: G is`` → ``not differentially expressed`` / ``up`` ...), for chat
it asks for one word (``Yes or No``). A sample whose answer is
still not one of the two options is an *abstention* (``None``).

A pair's score is the mean of its parsed answers over n samples; a pair whose samples all
abstained gets a fallback score (0.5 by default) and is counted (:func:`score_answers`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pqstats.screens import get_screen

__all__ = [
    "OPTIONS",
    "PairPrompt",
    "pair_prompt",
    "gse_prompt",
    "parse_answer",
    "parse_description",
    "score_answers",
]

#: Task → the two answer words, (positive, negative).
OPTIONS: dict[str, tuple[str, str]] = {"de": ("Yes", "No"), "dir": ("Up", "Down")}

# words read as the positive / negative answer, per task
_WORDS: dict[str, dict[str, int]] = {
    "de": {"yes": 1, "no": 0, "true": 1, "false": 0},
    "dir": {"up": 1, "down": 0, "upregulated": 1, "downregulated": 0, "increased": 1,
            "decreased": 0, "increase": 1, "decrease": 0, "higher": 1, "lower": 0},
}
_ANSWER = re.compile(r"answer\s*(?:is|would be|:|-|=)*\s*[\*\"'`(\[]*\s*([a-z]+)", re.I)
_FIRST_WORD = re.compile(r"[a-z]+", re.I)

_INSTRUCTION = ("Think step by step about what the two genes do and about the related "
                "outcomes, in a few sentences. Then finish with a last line that says "
                "\"Answer: {pos}\" or \"Answer: {neg}\".")


@dataclass(frozen=True)
class PairPrompt:
    """The prompt for one (perturbation, gene) pair, as text or as chat messages.

    Attributes
    ----------
    system : str
        The role and task description.
    user : str
        Context, gene descriptions, retrieved examples, question and instruction.
    task : {"de", "dir"}
    pert, gene : str
        The pair (for the answer cue).
    """

    system: str
    user: str
    task: str
    pert: str = ""
    gene: str = ""

    def text(self) -> str:
        """Plain-text prompt for a completion endpoint (ends with ``Reasoning:``)."""
        return f"{self.system}\n\n{self.user}\n\nReasoning:"

    def messages(self) -> list[dict[str, str]]:
        """Chat messages for a chat endpoint."""
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": self.user}]

    def followup_text(self, reasoning: str) -> str:
        """Second stage, text: the prompt, the reasoning so far, and an answer cue in the
        form of the retrieved examples (``- knockdown of P: G is``), which a base model
        completes as it saw the examples completed (``not differentially expressed``,
        ``up``, ...)."""
        return f"{self.text()} {reasoning.strip()}\nSo:\n- knockdown of {self.pert}: {self.gene} is"

    def followup_messages(self, reasoning: str) -> list[dict[str, str]]:
        """Second stage, chat: the reasoning as the assistant's turn, then a request for
        the answer alone."""
        pos, neg = OPTIONS[self.task]
        return self.messages() + [
            {"role": "assistant", "content": reasoning.strip()},
            {"role": "user", "content": f"Your final answer, in one word ({pos} or {neg}):"},
        ]


def _outcome_word(task: str, label: int) -> str:
    if task == "de":
        return "differentially expressed" if label else "not differentially expressed"
    return "up" if label else "down"


def pair_prompt(
    task: str,
    dataset: str,
    pert: str,
    gene: str,
    pert_description: str,
    gene_description: str,
    examples: pd.DataFrame | None = None,
) -> PairPrompt:
    """Build the DE or Dir prompt of one pair.

    Parameters
    ----------
    task : {"de", "dir"}
    dataset : str
        A registered screen: its description is the cell-line sentence, and a programme
        screen's readouts are called gene programmes.
    pert, gene : str
        The knocked-down gene and the measured gene (for ``k562_set``, a gene programme).
    pert_description, gene_description : str
        Their descriptions (:class:`~pqstats.summer.describe.GeneDescriber`).
    examples : DataFrame, optional
        Retrieved training pairs with columns ``pert, gene, label`` (and ``relation``):
        outcomes the model may use. Never test pairs (the retriever's rule).

    Returns
    -------
    PairPrompt
    """
    if task not in OPTIONS:
        raise ValueError(f"unknown task {task!r}; choose 'de' or 'dir'")
    screen = get_screen(dataset)
    pos, neg = OPTIONS[task]
    what = "gene programme" if screen.readout == "programmes" else "gene"
    system = ("You are an expert molecular biologist who predicts the outcomes of genetic "
              "perturbation experiments from what the genes do and from the outcomes of "
              "related experiments. " + _INSTRUCTION.format(pos=pos, neg=neg))
    if task == "de":
        question = (f"Question: when {pert} is knocked down by CRISPRi, is the {what} {gene} "
                    "differentially expressed (its mRNA level changes significantly)?")
    else:
        question = (f"Question: when {pert} is knocked down by CRISPRi, the {what} {gene} is "
                    "differentially expressed. Does its mRNA level go up or down?")
    # What is shared by many prompts comes first (instruction, experiment, then the measured
    # gene: a test sample holds all pairs of a gene), so that llama.cpp's prompt cache
    # evaluates it once; what is specific to the pair comes last.
    lines = [f"Experiment: knockdown of one gene at a time in {screen.description}; "
             "the mRNA levels of other genes are then measured.",
             "",
             f"The measured {what}. {gene_description.strip()}",
             "",
             f"The knocked-down gene. {pert_description.strip()}",
             ""]
    if examples is not None and len(examples):
        lines.append("Outcomes of related knockdowns in the same screen:")
        for row in examples.itertuples(index=False):
            lines.append(f"- knockdown of {row.pert}: {row.gene} is "
                         f"{_outcome_word(task, int(row.label))}")
        lines.append("")
    lines += [question]
    return PairPrompt(system=system, user="\n".join(lines), task=task, pert=pert, gene=gene)


def gse_prompt(kind: str, genes: Sequence[str], names: dict[str, str] | None = None,
               dataset: str = "k562", max_genes: int = 25) -> tuple[str, list[dict[str, str]]]:
    """Prompt asking for a short description of a gene cluster.

    Parameters
    ----------
    kind : {"pert", "gene"}
        A cluster of perturbations (knockdowns with similar effects) or of downstream
        genes (that respond together).
    genes : sequence of str
        The cluster's genes.
    names : dict, optional
        Gene symbol → full name, shown beside each symbol.
    dataset : str
        A registered screen, whose description gives the cell-line context.
    max_genes : int
        Genes listed (the rest are counted).

    Returns
    -------
    (str, list of dict)
        The plain-text prompt (ending with ``Shared function:``) and the chat messages.
    """
    if kind not in ("pert", "gene"):
        raise ValueError(f"unknown cluster kind {kind!r}; choose 'pert' or 'gene'")
    names = names or {}
    genes = list(genes)
    listed = [f"{g} ({names[g]})" if names.get(g) else g for g in genes[:max_genes]]
    more = f" and {len(genes) - max_genes} more" if len(genes) > max_genes else ""
    what = ("genes whose knockdowns changed gene expression in similar ways"
            if kind == "pert" else "genes whose expression changed together across knockdowns")
    context = get_screen(dataset).description
    body = (f"In a CRISPRi Perturb-seq screen in {context}, these {len(genes)} "
            f"{what} form one cluster: {'; '.join(listed)}{more}.")
    ask = ("Name the biological process, pathway or protein complex these genes share, in at "
           "most ten words.")
    text = f"{body}\n{ask}\nShared function:"
    messages = [{"role": "system", "content": "You are an expert molecular biologist."},
                {"role": "user", "content": f"{body}\n{ask} Reply with the name only."}]
    return text, messages


def parse_answer(text: str | None, task: str, *, first_word: bool = False) -> int | None:
    """Read a model's answer as 1 (Yes / Up), 0 (No / Down) or None (abstain).

    Parameters
    ----------
    text : str or None
        The reply (None after a fault).
    task : {"de", "dir"}
    first_word : bool
        Read the reply's first words (the second, answer-only stage) instead of its last
        ``Answer: ...`` line: an option word, or for DE also ``differentially expressed``
        (1) and ``not differentially expressed`` (0).

    Notes
    -----
    Without ``first_word`` the *last* ``answer[:] <word>`` in the text decides (a model
    may revise itself); a word that is not one of the task's options, an answer line
    offering both options ("Answer: Yes or No"), or no answer line at all is an
    abstention. Case, quotes, asterisks and brackets around the word are ignored;
    ``true/false`` count for DE and ``upregulated/increased/higher`` (and opposites)
    for Dir.
    """
    if task not in _WORDS:
        raise ValueError(f"unknown task {task!r}; choose 'de' or 'dir'")
    if not text:
        return None
    words = _WORDS[task]
    if first_word:
        found = [w.lower() for w in _FIRST_WORD.findall(text)[:2]]
        if not found:
            return None
        if task == "de" and found[0] == "not":  # "not differentially expressed"
            return 0 if found[1:] in (["differentially"], ["de"], ["changed"]) else None
        if task == "de" and found[0] == "differentially":
            return 1
        return words.get(found[0])
    matches = list(_ANSWER.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    value = words.get(last.group(1).lower())
    if value is None:
        return None
    rest = text[last.end():].split("\n", 1)[0].lower()
    other = [w for w, v in words.items() if v != value]
    if re.match(r"\s*(?:/|or)\s*", rest) and any(re.search(rf"\b{w}\b", rest) for w in other):
        return None  # "Answer: Yes or No" / "Answer: Up/Down": no decision
    return value


def parse_description(text: str | None, max_words: int = 20) -> str:
    """The first non-empty line of a GSE reply, unquoted, cut to ``max_words`` words.

    Returns ``""`` (an abstention) when there is no text.
    """
    if not text:
        return ""
    for line in text.strip().splitlines():
        line = line.strip().strip("\"'*`-•: ").strip()
        if line:
            words = line.split()
            return " ".join(words[:max_words]).rstrip(".;,")
    return ""


def score_answers(answers: Sequence[int | None], fallback: float = 0.5
                  ) -> tuple[float, int, bool]:
    """A pair's score from its n sampled answers.

    Returns
    -------
    (float, int, bool)
        The mean of the parsed answers (fraction of Yes / Up), or ``fallback`` when every
        sample abstained; the number of abstentions; whether the fallback was used.
    """
    parsed = [a for a in answers if a is not None]
    n_abstain = len(answers) - len(parsed)
    if not parsed:
        return float(fallback), n_abstain, True
    return float(sum(parsed) / len(parsed)), n_abstain, False
