"""Every markdown table of the report: the benchmark's tables beside the paper's, the
ablation, the best-vs-next-best comparisons, other papers' protocols, the oracles, the
learning curves and the knowledge behind the models, put together in ``benchmark.md``
(:func:`report_markdown`). Functions here take DataFrames and return text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats.report._results import (
    CORE_VOTING_DE_MEAN,
    EXTRA_RESULT_FILES,
    FIGURE_DIR,
    PAPER_TABLE,
    SIGNIFICANCE_MARK,
    _extra_models,
    _ok,
    graph_sources_used,
    read_learning_curves,
    screen_label,
)
from pqstats.screens import TASKS, builtin_screens

__all__ = ["results_markdown", "ablation_markdown", "report_markdown", "significance_marks",
           "comparison_markdown", "protocol_markdown", "oracle_markdown"]


def _fmt(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def _sd(row) -> str:
    """`` ±sd`` over seeds of a seeded row, else ""."""
    n = getattr(row, "n_seeds", np.nan)
    if pd.isna(n) or n <= 1 or pd.isna(getattr(row, "auroc_sd", np.nan)):
        return ""
    return f" ±{row.auroc_sd:.3f}"


def _ci(row) -> str:
    """``[low, high]`` of a result row, or "" when it has no interval."""
    if pd.isna(row.ci_low) or pd.isna(row.ci_high):
        return ""
    return f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"


def results_markdown(results: pd.DataFrame, knowledge_note: str | None = None,
                     marks: set | None = None, mark_note: str = "") -> str:
    """Markdown tables: per task, paper rows then ours, one column per dataset.

    ``marks`` holds ``(dataset, task, track, model)`` cells to mark with
    :data:`SIGNIFICANCE_MARK`; ``mark_note`` (the footnote explaining the mark) follows
    each table that has a marked cell.
    """
    marks = marks or set()
    lines = ["# pqstats benchmark", "",
             "Per-gene AUROC on the test split (mean over genes with both classes; a "
             "seeded model's cell is the mean over its seeds, ± the standard deviation over "
             "seeds; in brackets the 95% bootstrap interval over genes of the seed-mean "
             "per-gene AUROC). Paper rows: Wu et al. 2025, Table 1.", ""]
    if knowledge_note:
        lines += [knowledge_note, ""]
    ok = results[results["note"].fillna("") == ""]
    # the paper's screens always (its rows fill them), then any other screen scored here
    columns = [s.name for s in builtin_screens()]
    columns += [d for d in dict.fromkeys(results["dataset"]) if d not in columns]
    for task in TASKS:
        sub = ok[ok["task"] == task]
        if sub.empty:
            continue
        lines += [f"## {task.upper()}", "",
                  "| method | track | " + " | ".join(columns) + " |",
                  "|---|---|" + "---|" * len(columns)]
        for (method, t), values in PAPER_TABLE.items():
            if t == task:
                lines.append(f"| {method} (paper) | – | "
                             + " | ".join(_fmt(values.get(d)) for d in columns) + " |")
        if task == "de":
            lines.append(f"| CORE-Voting (2026) | – | mean over the four cell lines: "
                         f"{CORE_VOTING_DE_MEAN:.3f} |" + " |" * (len(columns) - 1))
        marked = False
        for (model, track), grp in sub.groupby(["model", "track"], sort=False):
            by_ds = grp.set_index("dataset")
            cells = []
            for d in columns:
                if d in by_ds.index:
                    r = by_ds.loc[d]
                    mark = SIGNIFICANCE_MARK if (d, task, track, model) in marks else ""
                    marked = marked or bool(mark)
                    cells.append(f"{r.auroc:.3f}{mark}{_sd(r)} {_ci(r)}".rstrip())
                else:
                    cells.append("–")
            lines.append(f"| {model} | {track} | " + " | ".join(cells) + " |")
        lines.append("")
        if marked and mark_note:
            lines += [f"{SIGNIFICANCE_MARK} {mark_note}", ""]
    missing = results[results["note"].fillna("").str.startswith("unavailable")]
    if not missing.empty:
        lines += ["## Unavailable here", ""]
        for (d, t), grp in missing.groupby(["dataset", "task"]):
            lines.append(f"* {d} {t}: {grp['note'].iloc[0]}")
        lines.append("")
    lines += ["## All cells", "",
              "| dataset | task | track | model | AUROC | 95% CI | sd over seeds (seeds) | "
              "AUPRC | genes | seconds |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ok.itertuples():
        seeds = getattr(r, "n_seeds", np.nan)
        spread = ("–" if pd.isna(seeds) else
                  f"{getattr(r, 'auroc_sd', 0.0):.4f} ({int(seeds)})")
        lines.append(f"| {r.dataset} | {r.task} | {r.track} | {r.model} | {r.auroc:.3f} | "
                     f"{_ci(r) or '–'} | {spread} | {_fmt(r.auprc)} | "
                     f"{'–' if pd.isna(r.n_genes) else int(r.n_genes)} | "
                     f"{'–' if pd.isna(r.seconds) else f'{r.seconds:.2f}'} |")
    return "\n".join(lines) + "\n"


def ablation_markdown(ablation: pd.DataFrame) -> str:
    """The ablation as a table: rows = ablations, columns = dataset/task, cells = delta."""
    wide = ablation.pivot_table(index="ablation", columns=["dataset", "task"], values="delta",
                                sort=False)
    cols = [f"{d} {t.upper()}" for d, t in wide.columns]
    lines = [f"# Ablation ({ablation['model'].iloc[0]}, strict track)", "",
             "Change in per-gene AUROC on the test split when a part is removed "
             "(negative = that part helps). Full-model AUROC in the first row.", "",
             "| ablation | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    full = ablation[ablation["ablation"] == "full model"].pivot_table(
        index="ablation", columns=["dataset", "task"], values="auroc", sort=False)
    lines.append("| full model (AUROC) | " + " | ".join(
        f"{full.iloc[0][c]:.3f}" for c in wide.columns) + " |")
    for name, row in wide.iterrows():
        if name != "full model":
            lines.append(f"| {name} | " + " | ".join(f"{row[c]:+.3f}" for c in wide.columns)
                         + " |")
    return "\n".join(lines) + "\n"


def _excluded_note() -> str:
    from pqstats.knowledge.graph import DEFAULT_GRAPH_SOURCES

    left_out = [s for s in DEFAULT_GRAPH_SOURCES if s not in graph_sources_used()]
    return (f" **Left out of this run's graph:** {', '.join(left_out)}." if left_out else "")


def _figure_section(title: str, rel: str, caption: str) -> list[str]:
    return [f"### {title}", "", f"![{title}]({rel})", "", caption, ""]


def report_markdown(results: pd.DataFrame, figures: Mapping[str, Path],
                    out: str | os.PathLike, knowledge: pd.DataFrame | None = None,
                    notes: Sequence[str] = (), oracles: pd.DataFrame | None = None,
                    comparisons: pd.DataFrame | None = None,
                    protocols: pd.DataFrame | None = None) -> str:
    """``benchmark.md``: the figures, then every table.

    Parameters
    ----------
    results : DataFrame
        Benchmark rows plus any extra rows (:func:`read_extra_results`).
    figures : mapping
        Figure key → written PNG (keys ``main``, ``dataset:<name>``, ``roc``,
        ``ablation``, ``enrichment``).
    out : path-like
        The results folder; figure links are relative to it.
    knowledge : DataFrame, optional
        :func:`knowledge_versions`.
    notes : sequence of str
        Lines on figures that could not be drawn (input missing).
    oracles : DataFrame, optional
        ``oracles.csv`` (:func:`pqstats.oracles.run_oracles`): its own section.
    comparisons : DataFrame, optional
        ``comparisons.csv`` (:func:`pqstats.best_cells.compare_best`): the best cells that
        differ significantly from the next best are marked, and the tests listed.
    protocols : DataFrame, optional
        ``protocols.csv`` (:func:`pqstats.best_cells.protocol_metrics`): its own section.
    """
    out = Path(out)

    def rel(p: Path) -> str:
        return Path(os.path.relpath(p, out)).as_posix()

    current = _current_comparisons(results, comparisons)
    body = results_markdown(results, marks=significance_marks(current),
                            mark_note=_mark_note(current)).splitlines()
    head, rest = body[:4], body[4:]  # title + intro, then the tables
    lines = [*head]
    if "main" in figures:
        lines += [f"![Per-gene AUROC, pqstats vs the paper]({rel(figures['main'])})", ""]
    extra = _extra_models(results)
    if extra:
        lines += [f"Rows of {', '.join(f'`{m}`' for m in extra)} come from "
                  f"{', '.join(EXTRA_RESULT_FILES)} (the Summer LLM adapter), shown beside "
                  "pqstats' classical models.", ""]
    lines += ["## Figures", ""]
    for key, path in figures.items():
        if key.startswith("dataset:"):
            d = key.split(":", 1)[1]
            lines += _figure_section(
                f"{screen_label(d)}: every model", rel(path),
                "Bars start at chance (0.5); whiskers are 95% bootstrap intervals over "
                "genes; grey hatched bars are the paper's Table 1; the dashed line is "
                "CORE-Voting's DE mean over the four cell lines (not per cell line).")
    if "roc" in figures:
        lines += _figure_section(
            "ROC curves of the best strict-track models", rel(figures["roc"]),
            "For each gene, the ROC curve over its test knockdowns; curves averaged over "
            "genes on a common false-positive-rate grid, so the area is the per-gene "
            "AUROC. The best model of each cell is picked on the test split, so read these "
            "as a picture of the scores, not as a model selection.")
    if "ablation" in figures:
        lines += _figure_section(
            "Ablation", rel(figures["ablation"]),
            "From `ablation.csv` (`make ablation`): each part removed (or added), the "
            "model refitted and the test split rescored; see `ablation.md`.")
    if "enrichment" in figures:
        lines += _figure_section(
            "Enrichment speed and accuracy", rel(figures["enrichment"]),
            "Left: `bench_enrichment.json` (`make bench`). Right: `gse_summary.csv` "
            "(`pqstats gse`); the paper protocol is grey and hatched; see `gse.md`. "
            "pqstats' default rule (`consensus`, the medoid of the top terms) was chosen "
            "by nested cross-validation over the 77 labelled clusters (the Decisions "
            "page); its outer-fold score is the honest estimate, not the in-sample bar.")
    lines += _learning_curve_lines(out, rel)
    lines += [f"* {n}" for n in notes] + ([""] if notes else [])
    lines += rest
    if not current.empty:
        lines += ["", *comparison_markdown(current)]
    if protocols is not None and not protocols.empty:
        lines += ["", *protocol_markdown(protocols)]
    if oracles is not None and not oracles.empty:
        lines += ["", *oracle_markdown(results, oracles)]
    if knowledge is not None and not knowledge.empty:
        lines += ["", "## Knowledge behind the models", "",
                  "Versions from the source manifest (`pqstats.knowledge.SOURCES`); the "
                  "files are verified against these checksums before use. "
                  "Non-commercial sources are marked; `PQSTATS_EXCLUDE_SOURCES=corum` "
                  "leaves CORUM out (see the README)."
                  + _excluded_note(),
                  "", "| source | version | licence | what | sha256 |",
                  "|---|---|---|---|---|"]
        for r in knowledge.itertuples():
            flag = (" **(non-commercial)**" if r.non_commercial
                    and "non-commercial" not in r.licence.lower() else "")
            licence = (f"**{r.licence}**" if r.non_commercial else r.licence)
            lines.append(f"| {r.source} | {r.version} | {licence}{flag} | "
                         f"{r.description.replace('|', '/')} | `{r.sha256}` |")
    return "\n".join(lines).rstrip("\n") + "\n"


def _current_comparisons(results: pd.DataFrame,
                         comparisons: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of ``comparisons.csv`` that still hold for ``results``: the same best and
    next-best pqstats model of the cell (a stale file from another run is not shown)."""
    from pqstats.best_cells import COMPARISON_COLUMNS

    if comparisons is None or comparisons.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    own = results[~results["model"].isin(_extra_models(results))]
    ok = _ok(own)
    top = {k: list(g.sort_values("auroc", ascending=False, kind="stable")["model"][:2])
           for k, g in ok.groupby(["dataset", "task", "track"], sort=False)}
    keep = [top.get((r.dataset, r.task, r.track)) == [r.best, r.next_best]
            for r in comparisons.itertuples()]
    return comparisons[keep].reset_index(drop=True)


def significance_marks(comparisons: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """``(dataset, task, track, model)`` of the best cells that differ significantly
    from the next best (``significant`` in ``comparisons.csv``)."""
    if comparisons.empty:
        return set()
    sig = comparisons[comparisons["significant"].astype(str).str.lower() == "true"]
    return {(r.dataset, r.task, r.track, r.best) for r in sig.itertuples()}


def _mark_note(comparisons: pd.DataFrame) -> str:
    level = (float(comparisons["level"].iloc[0]) if not comparisons.empty
             else float("nan"))
    return (f"The best pqstats model of the cell differs from the next best on the same "
            f"test pairs: paired bootstrap over genes and Wilcoxon signed-rank test over "
            f"per-gene AUROCs, both p < {level:g} (first seed's scores; "
            "`comparisons.csv`).")


def comparison_markdown(comparisons: pd.DataFrame) -> list[str]:
    """The section of ``benchmark.md`` listing each best-vs-next-best comparison."""
    level = float(comparisons["level"].iloc[0])
    lines = ["## Best vs next best (paired tests)", "",
             "For each cell, the best pqstats model against the second best on the same "
             "test pairs, from the test scores the benchmark run kept (its first seed; no "
             "refitting). *delta* is the difference of per-gene AUROC with its 95% paired "
             "bootstrap interval over genes; the Wilcoxon signed-rank test is over the "
             f"per-gene AUROCs. {SIGNIFICANCE_MARK}: both p < {level:g} "
             "(`comparisons.csv`, `pqstats.best_cells.compare_best`; "
             "`pqstats compare` runs the same test on two score files).", "",
             "| dataset | task | track | best | next best | delta [95% CI] | bootstrap p | "
             "Wilcoxon p |", "|---|---|---|---|---|---|---|---|"]
    for r in comparisons.itertuples():
        if isinstance(r.note, str) and r.note:
            lines.append(f"| {r.dataset} | {r.task} | {r.track} | {r.best} | "
                         f"{r.next_best} | {r.note} | – | – |")
            continue
        mark = SIGNIFICANCE_MARK if str(r.significant).lower() == "true" else ""
        lines.append(f"| {r.dataset} | {r.task} | {r.track} | {r.best}{mark} | "
                     f"{r.next_best} | {r.delta:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}] | "
                     f"{r.bootstrap_p:.3g} | {r.wilcoxon_p:.3g} |")
    return lines + [""]


def protocol_markdown(protocols: pd.DataFrame) -> list[str]:
    """The section of ``benchmark.md`` with the best models in other papers' forms."""
    def num(x) -> str:
        return "–" if pd.isna(x) else f"{x:.3f}"

    lines = ["## The best models in other papers' protocols", "",
             "The same test pairs scored in the forms later papers publish, for the best "
             "pqstats model of each screen, task and track (first seed's scores; "
             "`protocols.csv`, `pqstats.best_cells.protocol_metrics`; `pqstats score` "
             "gives them for any score file):", "",
             "* **SynthPert** reports a *pooled AUROC* (one ROC over every test pair; it "
             "rewards a gene's base rate, which per-gene AUROC removes, so it is not "
             "comparable to Table 1) and the *three-class accuracy*;",
             "* **AROMA** reports the *macro-F1* over not DE / down / up (the unweighted "
             "mean of the three classes' F1);",
             "* per-perturbation AUROC and per-gene AUPRC are given beside them.", "",
             "Three classes over the DE test pairs: not DE when the best DE model's "
             "p_de < 0.5, else up when the best Dir model's p_up ≥ 0.5, else down. The "
             "Dir model scores only the truly DE pairs (the Dir task's test pairs); a pair "
             "predicted DE that is not DE is wrong in either direction and is counted as a "
             "false *up* (the column *no Dir score* counts them); accuracy does not "
             "depend on that choice.", "",
             "| dataset | track | task | model | per-gene AUROC | pooled AUROC | "
             "per-pert AUROC | AUPRC | accuracy | macro-F1 | pairs | no Dir score |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in protocols.itertuples():
        if isinstance(r.note, str) and r.note:
            lines.append(f"| {r.dataset} | {r.track} | {r.task} | {r.model} | {r.note} |"
                         + " |" * 7)
            continue
        count = ("–" if pd.isna(r.n_without_direction) else int(r.n_without_direction))
        lines.append(f"| {r.dataset} | {r.track} | {r.task} | {r.model} | {num(r.auroc)} | "
                     f"{num(r.pooled_auroc)} | {num(r.auroc_per_pert)} | {num(r.auprc)} | "
                     f"{num(r.accuracy)} | {num(r.macro_f1)} | "
                     f"{'–' if pd.isna(r.n_pairs) else int(r.n_pairs)} | {count} |")
    return lines + [""]


def oracle_markdown(results: pd.DataFrame, oracles: pd.DataFrame) -> list[str]:
    """The oracle section of ``benchmark.md``: oracle rows apart from the models, and the
    share of the oracle's gain over chance that the best strict-track model reaches."""
    from pqstats.oracles import ORACLES, headroom

    room = headroom(results, oracles)
    lines = ["## Oracle headroom (not models)", "",
             "Oracles read the test labels of the screen they score, by construction: the "
             "scored pair's own label is left out, but the knockdown's other test outcomes "
             "are used. They are no predictions, never registered as models and never "
             "cached as model scores (`oracles.csv`, `pqstats.oracles`). "
             + "; ".join(f"`{k}`: {d}" for k, (_, d) in ORACLES.items()) + ". "
             "*share* = (best strict model − 0.5) / (best oracle − 0.5).", "",
             "| dataset | task | " + " | ".join(f"*oracle* `{k}`" for k in ORACLES)
             + " | best strict model | share of the oracle's gain |",
             "|---|---|" + "---|" * len(ORACLES) + "---|---|"]
    for (d, t), grp in oracles.groupby(["dataset", "task"], sort=False):
        by = grp.set_index("oracle")
        cells = [f"{by.loc[k, 'auroc']:.3f}" if k in by.index else "–" for k in ORACLES]
        r = room[(room["dataset"] == d) & (room["task"] == t)]
        best = (f"{r['best_model'].iloc[0]} {r['model_auroc'].iloc[0]:.3f}" if len(r)
                else "–")
        share = f"{r['share'].iloc[0]:.0%}" if len(r) and pd.notna(r["share"].iloc[0]) else "–"
        lines.append(f"| {d} | {t} | " + " | ".join(cells) + f" | {best} | {share} |")
    return lines + [""]


def _learning_curve_lines(out: Path, rel) -> list[str]:
    from pqstats.learning_curve import size_reaching

    curves = read_learning_curves(out)
    if not curves:
        return []
    lines = ["### Learning curves: from zero-shot to the transfer track", ""]
    if (out / FIGURE_DIR / "learning_curves.png").is_file():
        lines += [f"![Learning curves]({rel(out / FIGURE_DIR / 'learning_curves.png')})", ""]
    lines += ["Per-gene AUROC on the test split against the number of the target's training "
              "perturbations (mean over seeded draws; the whiskers their spread). Size 0 is "
              "the zero-shot track, `all` the strict and transfer tracks. The last column is "
              "the smallest size at which the fit with the other screens reaches 90% of the "
              "full transfer track's gain over chance.", "",
              "| curve | zero-shot | transfer, all | strict, all | 90% of the gain at |",
              "|---|---|---|---|---|"]
    for name, c in curves.items():
        def at(size, track, c=c):
            v = c.loc[(c["size"] == size) & (c["track"] == track), "auroc"]
            return f"{v.mean():.3f}" if len(v) else "–"
        lines.append(f"| {name} | {at('0', 'zero-shot')} | {at('all', 'transfer')} | "
                     f"{at('all', 'strict')} | {size_reaching(c) or '–'} |")
    return lines + [""]
