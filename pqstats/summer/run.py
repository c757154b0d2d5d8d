"""Answer and score: Summer on PerturbQA pairs and GSE clusters, evaluated like every model.

:class:`SummerPredictor` is fitted on a dataset's training split (retrieval only: the
language model is not trained) and scores pairs: for each pair it builds the prompt
(:mod:`~pqstats.summer.prompts`), samples ``n_samples`` answers, parses each into 1 / 0 /
abstain and scores the pair by the mean of the parsed answers. A pair's prompt depends
only on the pair and the training data, so its score is the same whether it is scored
alone or with the whole test set.

:func:`run_summer` scores a *sample* of a test split and evaluates it with
:func:`pqstats.evaluation.evaluate` into one row of the benchmark table. The sample is
chosen so that the per-gene AUROC is defined: the test genes whose test pairs hold both
classes (the only genes the metric counts) are shuffled with a seed, and *all* test pairs
of the first genes are taken while they fit in ``n_pairs``. The score is then an unbiased
estimate of the full benchmark's per-gene mean over a random subset of its genes. (Choosing
the genes reads which test genes have both classes, exactly as the metric itself does
when it skips genes; no label reaches a prompt.)

:func:`run_summer_gse` describes the GSE clusters and scores the descriptions with
:func:`pqstats.enrichment.score_descriptions` (ROUGE-1, MiniLM cosine).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats.summer.clients import GenerationParams, LLMClient, LLMFaultWarning
from pqstats.summer.describe import GeneDescriber
from pqstats.summer.prompts import (
    gse_prompt,
    pair_prompt,
    parse_answer,
    parse_description,
    score_answers,
)
from pqstats.summer.retrieve import ExampleRetriever

__all__ = [
    "SummerConfig",
    "SummerPredictor",
    "sample_test_pairs",
    "run_summer",
    "run_summer_gse",
    "write_summer",
    "model_column",
    "GSE_COLUMNS",
]

#: Columns of ``summer_gse.csv`` (those of ``gse_summary.csv`` plus abstentions).
GSE_COLUMNS = ["kind", "method", "n_clusters", "rouge1_precision", "rouge1_recall", "rouge1_f1",
               "minilm_cosine", "description_words", "abstained", "seconds"]


@dataclass(frozen=True)
class SummerConfig:
    """Settings of one Summer run.

    Parameters
    ----------
    n_examples : int
        Retrieved training outcomes per prompt (the budget ``k``).
    n_samples : int
        Answers sampled per pair; the score is the mean of the parsed ones.
    reasoning_tokens : int
        Token budget of the chain of thought.
    answer_tokens : int
        Token budget of the answer-only second stage.
    temperature, top_p : float
        Sampling of the chain of thought (the second stage is greedy).
    seed : int
        Sample ``i`` uses seed ``seed + i``.
    fallback : float
        Score of a pair whose samples all abstained.
    max_terms, max_interactors, max_chars : int
        Length of the gene descriptions (:func:`~pqstats.summer.describe.describe_gene`).
    condense : bool
        Let the model condense each description first (the paper's summarize step).
    """

    n_examples: int = 8
    n_samples: int = 3
    reasoning_tokens: int = 48
    answer_tokens: int = 5
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int = 0
    fallback: float = 0.5
    max_terms: int = 3
    max_interactors: int = 6
    max_chars: int = 500
    condense: bool = False

    def __post_init__(self) -> None:
        for name in ("n_samples", "reasoning_tokens", "answer_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.n_examples, int) or self.n_examples < 0:
            raise ValueError(f"n_examples must be a non-negative integer, got "
                             f"{self.n_examples!r}")
        if not 0 <= self.fallback <= 1:
            raise ValueError(f"fallback must be in [0, 1], got {self.fallback!r}")


def model_column(client: LLMClient) -> str:
    """The model name of result tables: ``summer[<model>]``."""
    return f"summer[{client.model}]"


class SummerPredictor:
    """Summer on (perturbation, gene) pairs of one dataset and task.

    Parameters
    ----------
    client : LLMClient
        The language model (:class:`~pqstats.summer.clients.HTTPClient` or
        :class:`~pqstats.summer.clients.LlamaCppClient`).
    dataset : str
    task : {"de", "dir"}
    kg : pqstats.knowledge.KnowledgeGraph, optional
        Default: :func:`pqstats.features.pairs.load_graph`.
    config : SummerConfig, optional
    """

    def __init__(self, client: LLMClient, dataset: str, task: str, kg=None,
                 config: SummerConfig | None = None) -> None:
        self.client = client
        self.dataset = dataset
        self.task = task
        self.kg = kg
        self.config = config or SummerConfig()

    def fit(self, train: pd.DataFrame) -> SummerPredictor:
        """Index the training pairs for retrieval (only ``split == 'train'`` allowed)."""
        from pqstats.features.profiles import gene_profiles

        if self.kg is None:
            from pqstats.features.pairs import load_graph

            self.kg = load_graph()
        c = self.config
        from pqstats.screens import readout_members

        programmes = readout_members(self.dataset)
        self.describer_ = GeneDescriber(
            self.kg, programmes=programmes, client=self.client if c.condense else None,
            max_terms=c.max_terms, max_interactors=c.max_interactors, max_chars=c.max_chars)
        self.retriever_ = ExampleRetriever(gene_profiles(self.kg, "all"),
                                           k=c.n_examples).fit(train)
        return self

    def prompts(self, pairs: pd.DataFrame) -> list:
        """The :class:`~pqstats.summer.prompts.PairPrompt` of each pair (labels unused)."""
        if not hasattr(self, "retriever_"):
            raise RuntimeError("call fit(train_pairs) before scoring")
        perts, genes = pairs["pert"].astype(str).tolist(), pairs["gene"].astype(str).tolist()
        desc = self.describer_.describe_many(perts + genes)
        return [pair_prompt(self.task, self.dataset, p, g, desc[p], desc[g],
                            self.retriever_.retrieve(p, g))
                for p, g in zip(perts, genes, strict=True)]

    def score(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Score pairs (columns ``pert, gene``; a ``label`` column is ignored).

        Returns
        -------
        pandas.DataFrame
            Index of ``pairs``; columns ``score`` (mean parsed answer, or the fallback),
            ``n_positive``, ``n_negative``, ``n_abstained``, ``fallback`` (bool),
            ``second_stage`` (answers that needed the answer-only stage) and ``n_failed``
            (samples whose request failed: no reply at all).
        """
        c = self.config
        prompts = self.prompts(pairs[["pert", "gene"]])
        # Pairs go to the model in blocks of `concurrency`: all samples of a block, then
        # its second stages. Consecutive requests then share the block's prompt prefix,
        # which llama.cpp keeps evaluated (a block of one pair in-process).
        block = max(1, self.client.concurrency)
        answers: list[int | None] = []
        second: list[bool] = []
        failed: list[bool] = []
        faults_before = self.client.stats["faults"]
        with warnings.catch_warnings():  # one summary below, not one warning per block
            warnings.simplefilter("ignore", LLMFaultWarning)
            for start in range(0, len(prompts), block):
                a, b, f = self._answer(prompts[start:start + block])
                answers += a
                second += b
                failed += f
        faults = self.client.stats["faults"] - faults_before
        if faults:
            warnings.warn(f"{faults} requests to {self.client.describe()} failed while scoring "
                          f"{len(prompts)} pairs; those answers count as abstentions",
                          LLMFaultWarning, stacklevel=2)
        s = c.n_samples
        rows = []
        for i in range(len(prompts)):
            mine = answers[i * s:(i + 1) * s]
            score, n_abstain, used = score_answers(mine, c.fallback)
            rows.append({"score": score, "n_positive": sum(a == 1 for a in mine),
                         "n_negative": sum(a == 0 for a in mine), "n_abstained": n_abstain,
                         "fallback": used, "second_stage": sum(second[i * s:(i + 1) * s]),
                         "n_failed": sum(failed[i * s:(i + 1) * s])})
        return pd.DataFrame(rows, index=pairs.index)

    def _answer(self, prompts: list) -> tuple[list[int | None], list[bool], list[bool]]:
        """Parsed answers (n samples per prompt, in order), which needed stage two, and
        which got no reply at all (a failed request)."""
        c = self.config
        chat = self.client.endpoint == "chat"
        s = c.n_samples
        first = [p.messages() if chat else p.text() for p in prompts for _ in range(s)]
        params = [GenerationParams(max_tokens=c.reasoning_tokens, temperature=c.temperature,
                                   top_p=c.top_p, seed=c.seed + i, sample=i)
                  for _ in prompts for i in range(s)]
        replies = self.client.generate(first, params)
        answers = [parse_answer(r, self.task) for r in replies]
        # second stage: the reasoning did not end in an answer (but the model did reply)
        redo = [j for j, (a, r) in enumerate(zip(answers, replies, strict=True))
                if a is None and r is not None]
        if redo:
            follow = [prompts[j // s].followup_messages(replies[j]) if chat
                      else prompts[j // s].followup_text(replies[j]) for j in redo]
            fparams = [GenerationParams(max_tokens=c.answer_tokens, temperature=0.0,
                                        seed=c.seed, sample=j % s) for j in redo]
            for j, r in zip(redo, self.client.generate(follow, fparams), strict=True):
                answers[j] = parse_answer(r, self.task, first_word=True)
        redo_set = set(redo)
        return (answers, [j in redo_set for j in range(len(answers))],
                [r is None for r in replies])


def sample_test_pairs(dataset: str, task: str, n_pairs: int, seed: int = 0) -> pd.DataFrame:
    """All test pairs of random scorable genes, at most ``n_pairs`` of them.

    Scorable genes have both classes among their test pairs (the per-gene AUROC counts
    only those). They are shuffled with ``seed``; a gene's test pairs are taken whole
    while they fit (genes that would overflow are skipped).

    Returns
    -------
    pandas.DataFrame
        Test rows ``pert, gene, label, split`` (the label is for the scorer only).
    """
    from pqstats.screens import load_pairs

    if not isinstance(n_pairs, int) or n_pairs < 2:
        raise ValueError(f"n_pairs must be an integer >= 2, got {n_pairs!r}")
    test = load_pairs(dataset, task).query("split == 'test'")
    per_gene = test.groupby("gene")["label"].agg(["size", "min", "max"])
    scorable = per_gene[per_gene["min"] < per_gene["max"]].sort_index()
    order = np.random.default_rng(seed).permutation(len(scorable))
    picked, total = [], 0
    for i in order:
        size = int(scorable["size"].iloc[i])
        if total + size <= n_pairs:
            picked.append(scorable.index[i])
            total += size
        if total >= n_pairs - 1:
            break
    out = test[test["gene"].isin(picked)]
    return out.sort_values(["gene", "pert"], kind="stable").reset_index(drop=True)


def _check_some_replied(client: LLMClient, n_failed: int, n_requests: int, what: str,
                        faults: int) -> None:
    """Stop a run in which every request failed: its scores would all be the fallback
    (a per-gene AUROC of exactly 0.5 that looks like a result). Some failures are fine:
    they are counted abstentions."""
    if n_requests and n_failed == n_requests:
        from pqstats.summer.clients import LLMUnavailableError

        raise LLMUnavailableError(
            f"all {n_requests} requests for {what} to {client.describe()} failed "
            f"({faults} faults; see the warnings above): no answer to score, so no row is "
            "written. Fix: check that the model server answers (or the model file loads) "
            "and rerun")


def run_summer(client: LLMClient, dataset: str = "k562", task: str = "de", n_pairs: int = 200,
               config: SummerConfig | None = None, kg=None, sample_seed: int = 0,
               n_boot: int = 1000) -> tuple[dict, pd.DataFrame]:
    """Score a sample of a test split with Summer and evaluate it.

    Parameters
    ----------
    client : LLMClient
    dataset, task : str
    n_pairs : int
        Size of the test sample (:func:`sample_test_pairs`).
    config : SummerConfig, optional
    kg : KnowledgeGraph, optional
    sample_seed : int
        Seed of the gene sample.
    n_boot : int
        Bootstrap resamples (over genes) of the interval.

    Returns
    -------
    (dict, pandas.DataFrame)
        A row of the benchmark table (:data:`pqstats.evaluation.RESULT_COLUMNS`, plus
        ``pooled_auroc``, ``n_pairs``, ``abstention_rate``, ``fallback_pairs``,
        ``faults``) and the scored pairs.

    Raises
    ------
    pqstats.summer.clients.LLMUnavailableError
        Every request failed (nothing was answered): no row, rather than a row of
        fallback scores. Runs where only some requests failed give a row, the failures
        counted as abstentions.
    """
    from pqstats.evaluation import evaluate
    from pqstats.screens import load_pairs, resolve_screen

    dataset = resolve_screen(dataset)
    config = config or SummerConfig()
    t0 = time.perf_counter()
    pairs = load_pairs(dataset, task)
    train = pairs[pairs["split"] == "train"]
    sample = sample_test_pairs(dataset, task, n_pairs, seed=sample_seed)
    faults_before = client.stats["faults"]
    model = SummerPredictor(client, dataset, task, kg=kg, config=config).fit(train)
    scored = model.score(sample[["pert", "gene"]])
    seconds = time.perf_counter() - t0
    _check_some_replied(client, int(scored["n_failed"].sum()), len(scored) * config.n_samples,
                        f"the {dataset} {task} sample ({len(sample)} pairs)",
                        client.stats["faults"] - faults_before)
    metrics = evaluate(sample, scored["score"].to_numpy(), n_boot=n_boot)
    n_answers = len(scored) * config.n_samples
    abstained = int(scored["n_abstained"].sum())
    n_fallback = int(scored["fallback"].sum())
    faults = client.stats["faults"] - faults_before
    note = (f"sample: {len(sample)} test pairs = all test pairs of {sample['gene'].nunique()} "
            f"random genes with both classes (seed {sample_seed}); pooled AUROC "
            f"{metrics['pooled_auroc']:.3f}; {config.n_samples} samples/pair, "
            f"{config.n_examples} examples, {config.reasoning_tokens} reasoning tokens; "
            f"abstained {abstained}/{n_answers} answers ({abstained / max(n_answers, 1):.1%}), "
            f"{n_fallback} pairs at fallback {config.fallback:g}; {faults} request faults")
    row = {"dataset": dataset, "task": task, "track": "strict", "model": model_column(client),
           "auroc": metrics["auroc"], "ci_low": metrics["ci_low"], "ci_high": metrics["ci_high"],
           "auprc": metrics["auprc"], "n_genes": metrics["n_genes"],
           "seconds": round(seconds, 1), "note": note,
           "pooled_auroc": metrics["pooled_auroc"], "n_pairs": len(sample),
           "abstention_rate": abstained / max(n_answers, 1), "fallback_pairs": n_fallback,
           "faults": faults, "config": asdict(config)}
    return row, pd.concat([sample, scored], axis=1)


def run_summer_gse(client: LLMClient, kinds: tuple[str, ...] = ("pert", "gene"), *,
                   max_clusters: int | None = None, max_tokens: int = 20,
                   semantic: bool = True, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Describe the labelled GSE clusters with the model and score the descriptions.

    Parameters
    ----------
    client : LLMClient
    kinds : tuple of {"pert", "gene"}
    max_clusters : int, optional
        First clusters of each kind only (default: all 52 + 25 labelled clusters).
    max_tokens : int
        Token budget of a description (greedy decoding).
    semantic : bool
        Add the MiniLM cosine (needs the ``text`` extra).

    Returns
    -------
    (per_cluster, summary)
        One row per cluster (label, description, scores, ``abstained``), and the means
        per kind and over all (columns :data:`GSE_COLUMNS`).
    """
    from pqstats.enrichment import score_descriptions
    from pqstats.enrichment._text import tokenize
    from pqstats.knowledge import load_symbol_mapper
    from pqstats.screens import load_gse

    mapper = load_symbol_mapper()
    chat = client.endpoint == "chat"
    rows, seconds = [], {}
    for kind in kinds:
        t0 = time.perf_counter()
        table = load_gse(kind, skip_empty=True)
        if max_clusters is not None:
            table = table.head(max_clusters)
        prompts = []
        for genes in table["genes"]:
            names = {}
            for g, sym in zip(genes, mapper.normalise(list(genes)), strict=True):
                d = mapper.describe(sym) if sym is not None else None
                if d and d.get("name") and d["name"] != "-":
                    names[g] = str(d["name"])
            text, messages = gse_prompt(kind, genes, names)
            prompts.append(messages if chat else text)
        # no stop string: a base model often starts with a line break; the first
        # non-empty line is the description (parse_description)
        params = GenerationParams(max_tokens=max_tokens, temperature=0.0, seed=seed)
        replies = client.generate(prompts, params)
        _check_some_replied(client, sum(r is None for r in replies), len(replies),
                            f"the {kind} GSE clusters", sum(r is None for r in replies))
        desc = [parse_description(r) for r in replies]
        for c, label, d in zip(table["cluster"], table["label"], desc, strict=True):
            rows.append({"kind": kind, "cluster": int(c), "label": label, "description": d,
                         "abstained": d == ""})
        seconds[kind] = time.perf_counter() - t0
    per_cluster = pd.DataFrame(rows)
    scores = score_descriptions(per_cluster["description"], per_cluster["label"],
                                semantic=semantic)
    per_cluster = pd.concat([per_cluster, scores], axis=1)
    per_cluster["description_words"] = [len(tokenize(d)) for d in per_cluster["description"]]
    per_cluster.insert(1, "method", model_column(client))
    metrics = [c for c in GSE_COLUMNS if c in per_cluster.columns and c not in
               ("kind", "method", "n_clusters")]
    summary = []
    for kind, grp in [*per_cluster.groupby("kind", sort=False), ("all", per_cluster)]:
        row = {"kind": kind, "method": model_column(client), "n_clusters": len(grp)}
        row.update(grp[metrics].mean(numeric_only=True).to_dict())
        row["abstained"] = int(grp["abstained"].sum())
        row["seconds"] = round(seconds.get(kind, sum(seconds.values())), 1)
        summary.append(row)
    summary = pd.DataFrame(summary)
    return per_cluster, summary.reindex(columns=[c for c in GSE_COLUMNS if c in summary])


def _upsert(path: Path, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of ``path`` whose ``keys`` are not in ``new``, then ``new``."""
    if path.is_file():
        old = pd.read_csv(path, dtype={k: str for k in keys})
        if set(keys) <= set(old.columns):
            new_keys = set(map(tuple, new[keys].astype(str).to_numpy()))
            keep = [tuple(r) not in new_keys for r in old[keys].astype(str).to_numpy()]
            return pd.concat([old[keep], new], ignore_index=True)
    return new.reset_index(drop=True)


def write_summer(rows: list[dict], gse_summary: pd.DataFrame | None = None,
                 out: str | Path = "results") -> list[Path]:
    """Write ``summer.csv`` (benchmark columns), ``summer_gse.csv`` and ``summer.md``.

    Rows of other models or cells already in the files are kept; a row with the same
    (dataset, task, track, model) — or (kind, method) for GSE — is replaced.
    """
    from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
    from pqstats.evaluation import RESULT_COLUMNS

    out = Path(out)
    paths = []
    table = pd.DataFrame(columns=RESULT_COLUMNS)
    if rows:
        new = pd.DataFrame(rows).reindex(columns=RESULT_COLUMNS)
        table = _upsert(out / "summer.csv", new, ["dataset", "task", "track", "model"])
        paths.append(atomic_write_csv(out / "summer.csv", table, float_format="%.6g"))
    elif (out / "summer.csv").is_file():
        table = pd.read_csv(out / "summer.csv")
    gse = pd.DataFrame(columns=GSE_COLUMNS)
    if gse_summary is not None and len(gse_summary):
        gse = _upsert(out / "summer_gse.csv", gse_summary, ["kind", "method"])
        paths.append(atomic_write_csv(out / "summer_gse.csv", gse, float_format="%.6g"))
    elif (out / "summer_gse.csv").is_file():
        gse = pd.read_csv(out / "summer_gse.csv")
    text = [
        "# Summer: a local language model beside the classical rows",
        "",
        "Generated by `pqstats summer run` (pqstats.summer). Summer = summarize (gene "
        "descriptions from the knowledge graph), retrieve (training outcomes of related "
        "knockdowns and genes, strict track), answer (chain of thought, n samples; score = "
        "mean of the parsed answers). Each row scores a *sample* of the test split: all test "
        "pairs of random genes whose test pairs hold both classes, so the per-gene AUROC is "
        "defined; its interval is a bootstrap over those genes. Compare with "
        "`benchmark.md` knowing the sample is small.",
        "",
        "## DE and Dir (per-gene AUROC)",
        "",
    ]
    if len(table):
        view = table[["dataset", "task", "track", "model", "auroc", "ci_low", "ci_high",
                      "auprc", "n_genes", "seconds"]]
        text += [markdown_table(view), "", "Notes:", ""]
        text += [f"* {r.dataset} {r.task} {r.model}: {r.note}" for r in table.itertuples()]
        text.append("")
    else:
        text += ["(no rows yet)", ""]
    text += ["## GSE cluster descriptions (ROUGE-1, MiniLM cosine)", ""]
    text += [markdown_table(gse), ""] if len(gse) else ["(no rows yet)", ""]
    paths.append(atomic_write_text(out / "summer.md", "\n".join(text)))
    return paths
