"""Summarize: a short description of each gene from the knowledge graph.

The description is deterministic: the gene's full name, then its most specific GO terms
(direct annotations; fewest genes first), Reactome pathways, CORUM complexes and physical
interactors, as :meth:`pqstats.knowledge.KnowledgeGraph.gene_text` writes them, cut to a
few items per section and to ``max_chars`` characters so that two descriptions and the
retrieved examples fit a small model's context. Optionally the language model condenses
it into two sentences (the paper's "summarize" step); the condensed text is cached with
every other reply, and a failed condensation falls back to the deterministic text.

For ``k562_set`` the "gene" is a gene programme (e.g. ``12-oxidative phosphorylation``),
described by its name and first member genes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = ["SECTIONS", "describe_gene", "GeneDescriber"]

#: Sections of :meth:`KnowledgeGraph.gene_text` kept by default (by their line titles).
SECTIONS: tuple[str, ...] = (
    "Biological process (GO)", "Molecular function (GO)", "Cellular component (GO)",
    "Reactome pathways", "Protein complexes (CORUM)", "Physical interactors",
)


def describe_gene(kg, gene: str, *, max_terms: int = 3, max_interactors: int = 6,
                  sections: Sequence[str] = SECTIONS, max_chars: int = 700) -> str:
    """Deterministic short description of a gene from the knowledge graph.

    Parameters
    ----------
    kg : pqstats.knowledge.KnowledgeGraph
    gene : str
        Gene symbol (aliases are resolved by the graph).
    max_terms, max_interactors : int
        Items kept per section (the total is still given: "and 12 more").
    sections : sequence of str
        Line titles of ``gene_text`` to keep, in its order; the first line (symbol and
        full name, without the aliases) is always kept.
    max_chars : int
        Longest description; longer ones are cut after the last whole section that fits
        (at least the first line is kept).

    Returns
    -------
    str
        One paragraph, e.g. ``"RPL3 (ribosomal protein L3). Biological process (GO):
        ..."``.
    """
    lines = kg.gene_text(gene, max_terms=max_terms, max_interactors=max_interactors).split("\n")
    head = lines[0]
    if "; also known as" in head:  # aliases add tokens, not meaning
        head = head.split("; also known as")[0] + "."
    head = head.replace(". Type: protein-coding.", ".")
    kept = [head]
    for line in lines[1:]:
        if any(line.startswith(title) for title in sections):
            kept.append(line)
    out = kept[0]
    for line in kept[1:]:
        if len(out) + 1 + len(line) > max_chars:
            break
        out += " " + line
    return out


class GeneDescriber:
    """Descriptions of genes (memoised), optionally condensed by a language model.

    Parameters
    ----------
    kg : pqstats.knowledge.KnowledgeGraph
    programmes : mapping, optional
        Gene programme name → member genes (``k562_set``); such names are described by
        their members.
    client : pqstats.summer.clients.LLMClient, optional
        When given, :meth:`describe_many` asks it to condense each description into two
        sentences (cached; a failure keeps the deterministic text).
    condense_tokens : int
        Token budget of a condensed description.
    **describe_options
        Passed to :func:`describe_gene`.
    """

    def __init__(self, kg, *, programmes: Mapping[str, Sequence[str]] | None = None,
                 client=None, condense_tokens: int = 64, **describe_options) -> None:
        self.kg = kg
        self.programmes = dict(programmes or {})
        self.client = client
        self.condense_tokens = condense_tokens
        self.describe_options = describe_options
        self._memo: dict[str, str] = {}

    def deterministic(self, gene: str) -> str:
        """The knowledge-graph description (no language model)."""
        if gene in self.programmes:
            members = list(self.programmes[gene])
            shown = ", ".join(members[:15])
            more = f" and {len(members) - 15} more" if len(members) > 15 else ""
            return (f"{gene}: a gene programme of {len(members)} co-regulated genes "
                    f"({shown}{more}); its level is the programme's mean expression.")
        return describe_gene(self.kg, gene, **self.describe_options)

    def __call__(self, gene: str) -> str:
        """Description of one gene (condensed if a client was given)."""
        return self.describe_many([gene])[gene]

    def describe_many(self, genes: Iterable[str]) -> dict[str, str]:
        """Descriptions of many genes; condensation requests go out as one batch."""
        genes = list(dict.fromkeys(genes))
        todo = [g for g in genes if g not in self._memo]
        texts = {g: self.deterministic(g) for g in todo}
        condense = [g for g in todo if g not in self.programmes]  # genes, not programmes
        if self.client is not None and condense:
            from pqstats.summer.clients import GenerationParams

            params = GenerationParams(max_tokens=self.condense_tokens, temperature=0.0,
                                      stop=("\n\n",))
            prompts = [self._condense_prompt(g, texts[g]) for g in condense]
            replies = self.client.generate(prompts, params)
            for g, reply in zip(condense, replies, strict=True):
                if reply and reply.strip():
                    texts[g] = f"{g}: {' '.join(reply.split())}"
        self._memo.update(texts)
        return {g: self._memo[g] for g in genes}

    def _condense_prompt(self, gene: str, text: str):
        ask = (f"Summarize in two sentences what the gene {gene} does, from this record:\n"
               f"{text}")
        if self.client.endpoint == "chat":
            return [{"role": "system", "content": "You are an expert molecular biologist."},
                    {"role": "user", "content": ask}]
        return f"{ask}\n\nSummary of {gene}:"
