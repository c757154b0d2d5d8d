"""Import a user's screen: pair labels, per-perturbation DE statistics, or cells.

:func:`import_screen` turns one of three inputs into the pair tables of a screen and
writes them, with a manifest, under ``$PQSTATS_DATA/screens/NAME/`` (the layout the
screen registry reads; ``load_de(NAME)`` / ``load_dir(NAME)`` then return them):

``pairs``
    ``pert, gene, label`` (0/1), optionally ``direction`` (``up``/``down`` or 1/0, on
    label-1 rows) and ``split`` (``train``/``test``); CSV, TSV or parquet. ``dir_file``
    takes a separate Dir table ``pert, gene, label[, split]`` (the PerturbQA layout).
``stats``
    Per-perturbation DE results in long form: perturbation, gene, log2 fold change and
    p-value and/or adjusted p-value, with the column names of scanpy's
    ``sc.get.rank_genes_groups_df`` (``group, names, logfoldchanges, pvals, pvals_adj``),
    of pydeseq2's results (``log2FoldChange, pvalue, padj``) or plain ones
    (:data:`STATS_ALIASES`). Labelled by :class:`~pqstats.screens._labels.LabelRule`.
``h5ad``
    Single cells (raw counts in ``X``), a perturbation column, control cells and
    optionally replicates; read in row chunks (backed mode), tested per perturbation
    against control (:mod:`pqstats.screens._de`), then labelled as ``stats``.
``genes``
    Only the readout genes of a cell line with no screen yet, one per line (read by
    :func:`pqstats._io.read_gene_list`; a gene listed twice is refused). The screen has
    no labels: ``genes.txt`` and the manifest are written, no pair table; ``predict``,
    ``explain`` and ``prioritise`` score it on the zero-shot track, from other studies'
    screens, and commands that need labels (``benchmark``, ``cv``, ``score``) refuse it.

Names are resolved first, once, through the one resolver (:mod:`pqstats.screens._names`:
case, whitespace, aliases, Ensembl ids; whole numbers only with ``ncbi_ids``), before
duplicates are checked, labels drawn or the split made: two spellings of one gene are one
gene. Unknown names are kept, counted and reported with the closest symbols, never
dropped. A table's ``target`` column (an h5ad's ``target_column``) maps guides to their
target genes; guide names are then labels, and only targets are resolved.

The split is by perturbation, or by target when guides are mapped (seeded,
``test_fraction`` held out, no-effect perturbations split like the others); a ``split``
column in the file takes precedence, and may not put one gene (or target) on both sides.

What is written is checked: no duplicated pair after resolution, both classes present, a
training perturbation, Dir labels only on DE positives; statistics on a log2 scale and
p-values that are not all 0; no empty cells, no repeated var_names. An import that holds
the data of a registered screen (its input file, or half of its pairs) is refused unless
declared that screen's study (:mod:`pqstats.screens._studies`). The manifest records the
study, the inputs' and the tables' sha256 (tables are verified at load), and whether the
screen is a transfer source for other studies' imported screens (``source``).

Writes are atomic and one at a time (:mod:`pqstats.screens._folders`): everything is built
in a hidden ``screens/.NAME.tmp-*`` folder, manifest last, then swapped into place in one
step, under a lock; leftovers of killed writers are swept by the next write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats._choices import DE_METHODS, FORMATS, PERT_COLUMNS
from pqstats.screens._labels import LabelRule, label_pairs, split_perturbations
from pqstats.screens.registry import builtin_screens, normalise_screen_name

__all__ = [
    "FORMATS",
    "DE_METHODS",
    "PERT_COLUMNS",
    "STATS_ALIASES",
    "ImportedScreen",
    "ScreenImportError",
    "import_screen",
]

#: Accepted column names of a ``stats`` table, per meaning (first match wins).
STATS_ALIASES: dict[str, tuple[str, ...]] = {
    "pert": ("pert", "perturbation", "group", "target_gene", "gene_target"),
    "gene": ("gene", "names", "gene_name", "gene_symbol"),
    "log2fc": ("log2fc", "logfoldchanges", "log2FoldChange", "log2_fold_change", "lfc"),
    "pvalue": ("pvalue", "pvals", "pval", "p_value"),
    "padj": ("padj", "pvals_adj", "fdr", "qvalue", "p_adj"),
    "split": ("split",),
    "target": ("target",),
}
_PAIRS_COLUMNS = ("pert", "gene", "label", "direction", "split", "target")
_NAME = re.compile(r"[a-z0-9_]+")
#: Longest screen name (its folder, and the temporary folders beside it, must fit any
#: file system).
MAX_NAME_LENGTH = 64
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_PARQUET_MAGIC = b"PAR1"
_UP = {"up": 1, "1": 1, "1.0": 1, "down": 0, "0": 0, "0.0": 0}


class ScreenImportError(ValueError):
    """A screen cannot be imported as asked; the message names the problem and the fix."""


@dataclass(frozen=True)
class ImportedScreen:
    """Result of :func:`import_screen`: where the screen lives and its manifest."""

    name: str
    path: Path
    manifest: dict

    @property
    def counts(self) -> dict:
        """The labelling counts (pairs, positives, unknown names, ...)."""
        return self.manifest["labelling"]["counts"]


# ------------------------------------------------------------------ small helpers
def _sniff(path: Path) -> str:
    """``"hdf5"``, ``"parquet"`` or ``"text"`` from the file's first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_HDF5_MAGIC):
        return "hdf5"
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    return "text"


def _read_table(path: Path, what: str) -> pd.DataFrame:
    kind = _sniff(path)
    if kind == "hdf5":
        raise ScreenImportError(f"{path.name} is an HDF5 (h5ad) file, not a {what} table; "
                                "use --format h5ad")
    try:
        if kind == "parquet":
            from pqstats._extras import require

            require("pyarrow", "parquet", f"reading {path.name} (parquet; or save it as CSV)")
            return pd.read_parquet(path)
        with open(path, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
        sep = "\t" if first.count("\t") > first.count(",") else ","
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                           na_values=["", "NA", "NaN", "nan"])
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as err:
        raise ScreenImportError(f"{path.name} is not a readable CSV, TSV or parquet "
                                f"{what} table ({err})") from err


def _infer_format(path: Path) -> str:
    if _sniff(path) == "hdf5":
        return "h5ad"
    cols = set(_read_table(path, "pairs or stats").columns)
    if "label" in cols:
        return "pairs"
    if cols & set(STATS_ALIASES["log2fc"]):
        return "stats"
    raise ScreenImportError(
        f"cannot tell the format of {path.name} (columns {sorted(cols)[:8]}): a pairs table "
        "has pert,gene,label; a stats table has a log2 fold change column; pass --format "
        "(--format genes for a list of readout genes)")


def _check_name(name: str, root: Path, overwrite: bool) -> None:
    if isinstance(name, str) and normalise_screen_name(name) in {
            s.name for s in builtin_screens()}:
        raise ScreenImportError(f"{name!r} is the built-in screen "
                                f"{normalise_screen_name(name)!r}; choose another name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ScreenImportError(f"screen name {name!r} must be lower-case letters, digits "
                                "and _ only, without spaces or line breaks (e.g. 'my_screen')")
    if len(name) > MAX_NAME_LENGTH:
        raise ScreenImportError(f"screen name {name[:20]!r}... has {len(name)} characters; "
                                f"use at most {MAX_NAME_LENGTH}")
    if _exists(root / name) and not overwrite:
        raise ScreenImportError(f"screen {name!r} already exists in {root}; pass "
                                "overwrite=True (--overwrite) to replace it, or choose "
                                "another name")


def _exists(path: Path) -> bool:
    from pqstats._io import _exists as exists

    return exists(path)


def _numeric(series: pd.Series, column: str, source: str) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(float)
    bad = np.isnan(values)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ScreenImportError(
            f"{source}: {int(bad.sum())} rows have a missing or non-numeric {column} "
            f"(rows {rows}, values {series.iloc[rows].tolist()}); drop or fix them (genes a "
            "method did not test, e.g. pydeseq2's NaN, are not DE: remove those rows)")
    return values


def _resolve(tables: list[pd.DataFrame | None], columns: tuple[str, ...], what: str,
             source: str, ncbi_ids: bool, extra: Sequence[str] = ()) -> dict:
    """Resolve the names of ``columns`` of ``tables`` in place, once, as one set.

    The names as given are kept in ``_given_<column>`` (for messages). Returns the counts
    of :func:`pqstats.screens._names.resolve_names`, prefixed by ``what``.
    """
    from pqstats.screens._names import numeric_names, resolve_names

    present = [t for t in tables if t is not None]
    if "target" in columns and any("target" in t for t in present):
        # the perturbations are guides: their names are labels, not genes (a guide "g1"
        # must not become the gene whose alias is G1); their targets are genes
        columns = ("target",)
        for t in present:
            t["pert"] = t["pert"].astype(str).str.strip()
    names = pd.unique(np.concatenate([t[c].to_numpy(str) for t in present for c in columns
                                      if c in t] + [np.asarray(extra, dtype=str)]))
    numbers = numeric_names(names)
    if numbers and not ncbi_ids:
        raise ScreenImportError(
            f"{source}: {len(numbers)} {what} names are whole numbers (e.g. "
            f"{', '.join(numbers[:5])}): codes of a categorical column, not genes? Write the "
            f"gene names into the file; if they are NCBI GeneIDs, say so with ncbi_ids=True "
            f"(--ncbi-ids)")
    try:
        res = resolve_names(names)
    except ValueError as err:
        raise ScreenImportError(f"{source}: {what} names: {err}") from err
    for t in present:
        for c in columns:
            if c in t:
                given = t[c].astype(str)
                t[f"_given_{c}"] = given.to_numpy()
                t[c] = given.map(res).to_numpy()
    c = res.counts
    return {f"unknown_{what}s": c["unknown"], f"unknown_{what}_examples": c["unknown_examples"],
            f"refused_{what}s": c["refused"],
            f"{what}_suggestions": c["suggestions"], f"renamed_{what}s": c["renamed"],
            f"merged_{what}_spellings": c["merged_spellings"],
            f"merged_{what}_examples": c["merged_examples"], "_mapping_" + what: dict(res)}


def _no_duplicates(df: pd.DataFrame, source: str, columns=("pert", "gene")) -> None:
    dup = df.duplicated(list(columns), keep=False)
    if dup.any():
        given = [f"_given_{c}" if f"_given_{c}" in df else c for c in columns]
        rows = df.loc[dup, list(columns) + given]
        first = rows.iloc[0]
        same = rows[(rows[list(columns)] == first[list(columns)]).all(axis=1)]
        spelled = same[given].drop_duplicates().to_records(index=False).tolist()
        n = int(df.duplicated(list(columns)).sum())
        how = (f", written {spelled} in the file: two spellings of one gene are one gene"
               if len(spelled) > 1 else "")
        raise ScreenImportError(f"{source}: {n} duplicated ({', '.join(columns)}) pairs after "
                                f"gene names are resolved, e.g. "
                                f"{tuple(first[list(columns)])}{how}; keep one row per pair")


def _given_split(df: pd.DataFrame, source: str, unit: str = "pert") -> dict[str, str] | None:
    """Perturbation → split from a ``split`` column (one split per ``unit``), or None."""
    if "split" not in df:
        return None
    split = df["split"].astype(str).str.strip().str.lower()
    bad = ~split.isin(["train", "test"])
    if bad.any():
        raise ScreenImportError(f"{source}: split must be train or test; found "
                                f"{sorted(df.loc[bad, 'split'].astype(str).unique())[:5]}")
    per = split.groupby(df[unit].to_numpy()).agg(["nunique", "first"])
    both = per.index[per["nunique"] > 1]
    if len(both):
        what = "targets with guides" if unit == "target" else "perturbations"
        by = "target" if unit == "target" else "perturbation"
        raise ScreenImportError(f"{source}: {what} in both train and test, e.g. "
                                f"{list(both[:5])} (names compared after resolution); the "
                                f"split must be by {by}")
    by_unit = per["first"].to_dict()
    return {p: by_unit[u] for p, u in zip(df["pert"], df[unit], strict=True)}


def _targets(df: pd.DataFrame, source: str) -> dict[str, str] | None:
    """Perturbation (guide) → its target gene from a ``target`` column, or None."""
    if "target" not in df:
        return None
    if df["target"].isna().any():
        raise ScreenImportError(f"{source}: {int(df['target'].isna().sum())} rows have no "
                                "target; give every guide its target gene")
    per = df.groupby("pert")["target"].agg(["nunique", "first"])
    many = per.index[per["nunique"] > 1]
    if len(many):
        raise ScreenImportError(f"{source}: perturbations with several targets, e.g. "
                                f"{list(many[:5])}; give each guide one target")
    return per["first"].to_dict()


# ------------------------------------------------------------------ the three formats
def _pairs_input(path: Path, dir_file: Path | None, ncbi_ids: bool
                 ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str] | None,
                            dict[str, str] | None, dict]:
    df = _read_table(path, "pairs")
    unknown = [c for c in df.columns if c not in _PAIRS_COLUMNS]
    missing = [c for c in ("pert", "gene", "label") if c not in df.columns]
    if unknown or missing:
        stats_like = set(df.columns) & set(STATS_ALIASES["log2fc"])
        hint = ("; it looks like DE statistics: use --format stats" if stats_like else
                f"; a pairs table has columns {', '.join(_PAIRS_COLUMNS)} (label, "
                "direction, split and a guide's target as described in `pqstats screen "
                "import -h`)")
        problem = (f"unknown column(s) {unknown}" if unknown else "") + (
            f"{' and ' if unknown else ''}missing column(s) {missing}" if missing else "")
        raise ScreenImportError(f"{path.name}: {problem}{hint}")
    for col in ("pert", "gene"):
        if df[col].isna().any():
            raise ScreenImportError(f"{path.name}: {int(df[col].isna().sum())} rows without "
                                    f"a {col} name; fill or drop them")
    df["pert"], df["gene"] = df["pert"].astype(str), df["gene"].astype(str)
    label = _numeric(df["label"], "label", path.name)
    if not np.isin(label, [0, 1]).all():
        raise ScreenImportError(f"{path.name}: label must be 0 or 1; found "
                                f"{sorted(set(label[~np.isin(label, [0, 1])]))[:5]}")
    df["label"] = label.astype("int8")
    d = None
    if dir_file is not None:
        if "direction" in df:
            raise ScreenImportError(f"{path.name} has a direction column and --dir-file was "
                                    "given too; use one of them")
        d = _read_table(dir_file, "Dir")
        unknown = [c for c in d.columns if c not in ("pert", "gene", "label", "split")]
        missing = [c for c in ("pert", "gene", "label") if c not in d.columns]
        if unknown or missing:
            raise ScreenImportError(f"{dir_file.name}: a Dir table has columns pert,gene,label"
                                    f"[,split]; unknown {unknown}, missing {missing}")
        d["pert"], d["gene"] = d["pert"].astype(str), d["gene"].astype(str)
        dl = _numeric(d["label"], "label", dir_file.name)
        if not np.isin(dl, [0, 1]).all():
            raise ScreenImportError(f"{dir_file.name}: Dir label must be 1 (up) or 0 (down)")
        d["label"] = dl.astype("int8")
    counts = {"input_rows": len(df)}
    counts.update(_resolve([df, d], ("pert", "target"), "pert", path.name, ncbi_ids))
    counts.update(_resolve([df, d], ("gene",), "gene", path.name, ncbi_ids))
    _no_duplicates(df, path.name)
    targets = _targets(df, path.name)
    split = _given_split(df, path.name, unit="target" if targets else "pert")
    direction = None
    if "direction" in df:
        has = df["direction"].notna()
        if (has & (df["label"] == 0)).any():
            raise ScreenImportError(f"{path.name}: a direction is given on label-0 rows; a "
                                    "direction belongs to DE pairs (label 1) only")
        code = df.loc[has, "direction"].astype(str).str.strip().str.lower().map(_UP)
        if code.isna().any():
            raise ScreenImportError(f"{path.name}: direction must be up/down or 1/0; found "
                                    f"{sorted(df.loc[has, 'direction'][code.isna()].unique())[:5]}")
        direction = df.loc[has, ["pert", "gene"]].assign(label=code.astype("int8"))
    if d is not None:
        _no_duplicates(d, dir_file.name)
        dsplit = _given_split(d, dir_file.name)
        if dsplit is not None and split is not None:
            clash = sorted(p for p, s in dsplit.items() if split.get(p, s) != s)
            if clash:
                raise ScreenImportError(f"{dir_file.name}: split differs from {path.name} for "
                                        f"perturbations {clash[:5]}")
        if split is not None:
            missing_p = sorted(set(d["pert"]) - set(split))
            if missing_p and dsplit is None:
                raise ScreenImportError(f"{dir_file.name}: perturbations {missing_p[:5]} have "
                                        f"no split in {path.name}")
            split = {**(dsplit or {}), **split}
        direction = d[["pert", "gene", "label"]]
    return df[["pert", "gene", "label"]], direction, split, targets, counts


def _de_table_input(path: Path, ncbi_ids: bool
                    ) -> tuple[pd.DataFrame, None, None, dict]:
    """A DE table in cell-eval's schema (:func:`pqstats.screens.de_table.read_de_table`),
    checked and resolved as a ``stats`` table is: names through the one resolver before
    duplicates are checked, fold changes on a log scale, p-values not all zero."""
    from pqstats.screens.de_table import read_de_table

    try:
        out = read_de_table(path)
    except ValueError as err:
        raise ScreenImportError(str(err)) from err
    _check_log_scale(out["log2fc"].to_numpy(), "log2_fold_change", path.name)
    for key, column in (("pvalue", "p_value"), ("padj", "fdr")):
        if (out[key] == 0).all():
            raise ScreenImportError(
                f"{path.name}: every {column} is 0, so every gene would be DE and no "
                "negative could be drawn; export the p-values unrounded")
    counts = {"input_rows": len(out), "columns": {"pert": "target", "gene": "feature"}}
    counts.update(_resolve([out], ("pert",), "pert", path.name, ncbi_ids))
    counts.update(_resolve([out], ("gene",), "gene", path.name, ncbi_ids))
    _no_duplicates(out, path.name)
    return out[["pert", "gene", "log2fc", "pvalue", "padj"]], None, None, counts


def _stats_input(path: Path, ncbi_ids: bool
                 ) -> tuple[pd.DataFrame, dict[str, str] | None, dict[str, str] | None, dict]:
    df = _read_table(path, "stats")
    cols: dict[str, str] = {}
    for key, names in STATS_ALIASES.items():
        hit = next((c for c in names if c in df.columns), None)
        if hit is not None:
            cols[key] = hit
    if "gene" not in cols and df.columns[0] in ("", "Unnamed: 0"):  # pydeseq2's index
        cols["gene"] = df.columns[0]
    missing = [k for k in ("pert", "gene", "log2fc") if k not in cols]
    if missing or not ({"pvalue", "padj"} & set(cols)):
        if "label" in df.columns:
            raise ScreenImportError(f"{path.name} has a label column: it is a pairs table; "
                                    "use --format pairs")
        need = [k for k in missing] + ([] if {"pvalue", "padj"} & set(cols) else
                                       ["pvalue or padj"])
        raise ScreenImportError(
            f"{path.name}: no column for {', '.join(need)} (columns: "
            f"{', '.join(map(str, df.columns[:10]))}); accepted names: "
            + "; ".join(f"{k}: {'/'.join(STATS_ALIASES[k])}" for k in
                        ("pert", "gene", "log2fc", "pvalue", "padj")))
    for key in ("pert", "gene"):
        if df[cols[key]].isna().any():
            raise ScreenImportError(f"{path.name}: {int(df[cols[key]].isna().sum())} rows "
                                    f"without a {cols[key]} name; fill or drop them")
    out = pd.DataFrame({"pert": df[cols["pert"]].astype(str), "gene": df[cols["gene"]].astype(str)})
    if "target" in cols:
        out["target"] = df[cols["target"]]
    out["log2fc"] = _numeric(df[cols["log2fc"]], cols["log2fc"], path.name)
    _check_log_scale(out["log2fc"].to_numpy(), cols["log2fc"], path.name)
    for key in ("pvalue", "padj"):
        if key in cols:
            out[key] = _numeric(df[cols[key]], cols[key], path.name)
            if ((out[key] < 0) | (out[key] > 1)).any():
                raise ScreenImportError(f"{path.name}: {cols[key]} must lie in [0, 1]")
            if (out[key] == 0).all():
                raise ScreenImportError(
                    f"{path.name}: every {cols[key]} is 0, so every gene would be DE and no "
                    "negative could be drawn; export the p-values unrounded (floats, not a "
                    "rounded or truncated column)")
        else:
            out[key] = np.nan
    counts = {"input_rows": len(df), "columns": cols}
    counts.update(_resolve([out], ("pert", "target"), "pert", path.name, ncbi_ids))
    counts.update(_resolve([out], ("gene",), "gene", path.name, ncbi_ids))
    if "padj" not in cols:  # BH within each perturbation, as scanpy and pydeseq2 do
        from scipy.stats import false_discovery_control

        out["padj"] = out.groupby("pert")["pvalue"].transform(
            lambda p: false_discovery_control(p.to_numpy(), method="bh"))
    _no_duplicates(out, path.name)
    targets = _targets(out, path.name)
    if "split" in cols:
        out["split"] = df[cols["split"]].to_numpy()
    split = _given_split(out, path.name, unit="target" if targets else "pert")
    return out[["pert", "gene", "log2fc", "pvalue", "padj"]], split, targets, counts


def _check_log_scale(lfc: np.ndarray, column: str, source: str) -> None:
    """Refuse fold changes that are ratios, not log2 ratios (none below 0, centred on 1)."""
    if len(lfc) >= 20 and lfc.min() >= 0 and np.median(lfc) > 0.5:
        raise ScreenImportError(
            f"{source}: no {column} is below 0 (median {np.median(lfc):.3g}): these look like "
            f"linear fold changes (ratios), not log2 fold changes, and every gene would count "
            f"as up; give log2 of the ratio (numpy.log2(fold_change))")


def _h5ad_input(path: Path, *, pert_column: str | None, control: str,
                replicate_column: str | None, min_cells: int, method: str,
                min_expected_count: float, chunk_rows: int, ncbi_ids: bool,
                target_column: str | None = None
                ) -> tuple[pd.DataFrame, dict[str, str] | None, dict]:
    from pqstats._extras import require

    anndata = require("anndata", "h5ad", "importing a screen from an h5ad file")
    if method == "deseq2":  # say so before reading the cells, not after
        require("pydeseq2", "deseq2", "--method deseq2")
    from pqstats.screens._de import (
        CountsError,
        accumulate,
        deseq2_tests,
        testable_pairs,
        welch_tests,
    )

    if _sniff(path) != "hdf5":
        raise ScreenImportError(f"{path.name} is not an h5ad (HDF5) file; use --format pairs "
                                "or stats for tables")
    try:
        adata = anndata.read_h5ad(path, backed="r")
    except Exception as err:  # anndata raises many kinds on a foreign HDF5 file
        raise ScreenImportError(f"{path.name} is HDF5 but not a readable AnnData ({err})"
                                ) from err
    try:
        obs = adata.obs
        if pert_column is None:
            pert_column = next((c for c in PERT_COLUMNS if c in obs.columns), None)
            if pert_column is None:
                raise ScreenImportError(
                    f"{path.name}: none of the usual perturbation columns "
                    f"({', '.join(PERT_COLUMNS)}) is in obs (columns: "
                    f"{', '.join(map(str, obs.columns[:12]))}); pass --pert-column")
        for col, flag in ((pert_column, "--pert-column"),
                          (replicate_column, "--replicate-column"),
                          (target_column, "--target-column")):
            if col is not None and col not in obs.columns:
                raise ScreenImportError(f"{path.name}: unknown obs column {col!r} ({flag}); "
                                        f"obs has {', '.join(map(str, obs.columns[:12]))}")
        labels = obs[pert_column]
        if labels.isna().any():
            raise ScreenImportError(f"{path.name}: {int(labels.isna().sum())} cells have no "
                                    f"{pert_column!r}; label them (or drop them) first")
        labels = labels.astype(str).to_numpy()
        if control not in set(labels):
            raise ScreenImportError(
                f"{path.name}: no control cells: no cell has {pert_column} == {control!r} "
                f"(values include {', '.join(pd.unique(labels)[:8])}); pass --control LABEL")
        # names resolved before cells are grouped: three spellings of TP53 are one
        # perturbation, and two var_names of one gene are refused
        cells = pd.DataFrame({"pert": labels[labels != control]})
        if target_column is not None:
            cells["target"] = obs[target_column].astype(str).to_numpy()[labels != control]
        counts = _resolve([cells], ("pert", "target"), "pert", path.name, ncbi_ids)
        labels = labels.astype(object)
        labels[labels != control] = cells["pert"].to_numpy()
        targets = _targets(cells, path.name) if target_column is not None else None
        raw_genes = pd.Index(adata.var_names.astype(str))
        if raw_genes.has_duplicates:
            dup = raw_genes[raw_genes.duplicated()].unique()
            raise ScreenImportError(
                f"{path.name}: {len(dup)} var_names occur more than once (e.g. "
                f"{', '.join(dup[:5])}); each gene must be one column: sum or drop the "
                "repeated columns (adata.var_names_make_unique() keeps both as two genes)")
        var = pd.DataFrame({"gene": raw_genes.to_numpy()})
        counts.update(_resolve([var], ("gene",), "gene", path.name, ncbi_ids))
        if var["gene"].duplicated().any():
            one = var[var["gene"].duplicated(keep=False)]
            first = one[one["gene"] == one["gene"].iloc[0]]
            raise ScreenImportError(
                f"{path.name}: var_names {first['_given_gene'].tolist()} are one gene "
                f"({first['gene'].iloc[0]}) once names are resolved; each gene must be one "
                "column: sum or drop the repeated columns")
        groups, group_codes = np.unique(labels.astype(str), return_inverse=True)
        ctrl = int(np.searchsorted(groups, control))
        n_cells = np.bincount(group_codes, minlength=len(groups))
        few = [(g, int(n)) for g, n in zip(groups, n_cells, strict=True) if n < min_cells]
        if few:
            raise ScreenImportError(
                f"{path.name}: {len(few)} perturbation(s) have fewer than {min_cells} cells "
                f"(e.g. {', '.join(f'{g}: {n}' for g, n in few[:5])}); drop them from the "
                "file or lower min_cells (--min-cells)")
        if replicate_column is not None:
            reps = obs[replicate_column].astype(str).to_numpy()
        else:
            reps = np.full(len(labels), "all", dtype=object)
        sample_keys = pd.DataFrame({"group": group_codes, "replicate": reps})
        samples = sample_keys.drop_duplicates().sort_values(["group", "replicate"])
        samples = samples.reset_index(drop=True)
        sample_codes = pd.MultiIndex.from_frame(samples).get_indexer(
            pd.MultiIndex.from_frame(sample_keys))
        if method == "deseq2":
            per = samples.groupby("group").size()
            short = [groups[g] for g, n in per.items() if n < 2]
            if short:
                raise ScreenImportError(
                    f"{path.name}: method deseq2 needs at least 2 replicate pseudobulks per "
                    f"perturbation and control; {len(short)} have one (e.g. {short[:5]}); "
                    "pass --replicate-column, or use method t-test")
        if getattr(adata.X, "format", None) == "csc":
            raise ScreenImportError(
                f"{path.name}: X is stored column-wise (CSC), which cannot be read by cells "
                "without loading it whole; save it as CSR (adata.X = adata.X.tocsr())")
        try:
            sums = accumulate(adata.X, group_codes, groups, sample_codes, samples,
                              chunk_rows=chunk_rows)
        except CountsError as err:
            raise ScreenImportError(f"{path.name}: {err}") from err
        if sums.n_empty.any():
            worst = np.argsort(-sums.n_empty, kind="stable")[:3]
            examples = ", ".join(f"{groups[g]}: {sums.n_empty[g]} of {n_cells[g]}"
                                 for g in worst if sums.n_empty[g])
            raise ScreenImportError(
                f"{path.name}: {int(sums.n_empty.sum())} cells have no counts at all (e.g. "
                f"{examples}); an empty cell reads as every gene down. Drop them first "
                "(scanpy.pp.filter_cells(adata, min_counts=1))")
        genes = var["gene"].to_numpy()
    finally:
        if adata.isbacked:
            adata.file.close()
    test = welch_tests if method == "t-test" else deseq2_tests
    stats = test(sums, ctrl, genes)
    testable = testable_pairs(sums, ctrl, min_expected_count)
    stats = stats[testable]
    counts.update({"cells": int(len(labels)), "control_cells": int(n_cells[ctrl]),
              "genes_measured": int(len(genes)), "pert_column": pert_column,
              "min_cells_seen": int(np.delete(n_cells, ctrl).min()) if len(groups) > 1 else 0,
              "pseudobulk_samples": int(len(samples)),
              "untestable_pairs": int((~testable).sum())})
    return stats, targets, counts


# ------------------------------------------------------------------ labels, names, writing
def _with_split(table: pd.DataFrame, split: dict[str, str]) -> pd.DataFrame:
    return table.assign(split=table["pert"].map(split))[["pert", "gene", "label", "split"]]


def _draw_split(de: pd.DataFrame, targets: dict[str, str] | None, test_fraction: float,
                seed: int) -> dict[str, str]:
    """Perturbation → split, drawn by target when guides are mapped to targets."""
    unit = de["pert"].map(targets) if targets else de["pert"]
    has = de.groupby(unit.to_numpy())["label"].max() > 0
    by_unit = split_perturbations(has.index.to_numpy(), has.to_numpy(), test_fraction, seed)
    return {p: by_unit[u] for p, u in zip(de["pert"], unit, strict=True)}


def _check_labels(de: pd.DataFrame, direction: pd.DataFrame | None, source: str,
                  fmt: str) -> None:
    """Refuse degenerate label sets: one class only, no training perturbation, Dir labels
    on pairs that are not DE positives."""
    why = ("" if fmt == "pairs" else
           " (with DE statistics: check that the p-values are not all tiny and the fold "
           "changes are log2, or loosen the rule: --fdr, --min-abs-log2fc, --negative-min-p)")
    if not (de["label"] == 1).any():
        raise ScreenImportError(f"{source}: no DE positive (no label 1) among {len(de)} pairs; "
                                f"a screen needs both classes{why}")
    if not (de["label"] == 0).any():
        raise ScreenImportError(f"{source}: every one of {len(de)} pairs is DE (label 1), no "
                                f"negative; a screen needs both classes{why}")
    train = de.loc[de["split"] == "train", "pert"].nunique()
    if not train:
        raise ScreenImportError(
            f"{source}: no training perturbation: all {de['pert'].nunique()} are in the test "
            "split; lower test_fraction (--test-fraction) or fix the split column")
    if direction is not None and len(direction):
        pos = pd.MultiIndex.from_frame(de.loc[de["label"] == 1, ["pert", "gene"]])
        off = ~pd.MultiIndex.from_frame(direction[["pert", "gene"]]).isin(pos)
        if off.any():
            first = direction.loc[off, ["pert", "gene"]].head(3).to_records(index=False)
            raise ScreenImportError(
                f"{source}: {int(off.sum())} Dir labels are on pairs that are not DE positives "
                f"(label 1) of the DE table, e.g. {first.tolist()}; a direction belongs to a "
                "DE pair: drop those Dir rows or mark the pairs DE")


def _manifest(*, name, cell_line, description, study, fmt, inputs, options, rule_text,
              counts, has_dir, source, same_study_as) -> dict:
    from pqstats._fetch import sha256sum
    from pqstats._version import __version__

    return {
        "schema": 1, "name": name, "cell_line": cell_line,
        "description": description, "study": study, "readout": "genes", "format": fmt,
        "inputs": [{"file": p.name, "sha256": sha256sum(p), "bytes": p.stat().st_size}
                   for p in inputs],
        "source": bool(source), "same_study_as": same_study_as,
        "options": options, "labelling": {"rule": rule_text, "counts": counts},
        "files": {"de": "de.csv", **({"dir": "dir.csv"} if has_dir else {})},
        "pqstats_version": __version__,
    }


def _check_study(name: str, manifest: dict, de: pd.DataFrame | None,
                 declared: str | None) -> None:
    """Refuse an import that repeats a screen of another study (see :mod:`._studies`);
    record those of the declared study in the manifest."""
    from pqstats.screens._studies import matching_screens

    if de is None:  # a list of readout genes has no label that could cross
        return
    checksums = {item["sha256"] for item in manifest["inputs"]}
    clash, same = [], []
    for screen, why in matching_screens(name, checksums, de):
        (same if screen.study == manifest["study"] else clash).append((screen, why))
    if clash:
        screen, why = clash[0]
        said = (f"is declared study {declared!r}" if declared is not None else
                f"would be a study of its own ({name!r})")
        raise ScreenImportError(
            f"screen {name!r} holds the data of screen {screen.name!r} ({why}), yet it "
            f"{said}, while {screen.name!r} is study {screen.study!r}: each copy would feed "
            f"the other on the transfer track. Pass study={screen.study!r} (--study "
            f"{screen.study}) if it is that study, or remove the other screen first")
    manifest["same_study_as"] = sorted(s.name for s, _ in same)


def _write_screen(root: Path, name: str, de: pd.DataFrame | None,
                  direction: pd.DataFrame | None, manifest: dict, overwrite: bool,
                  genes: list[str] | None = None, declared_study: str | None = None) -> Path:
    """Write the screen in a hidden temp folder, manifest last, then swap it into place.

    Under the screens folder's lock (:mod:`pqstats.screens._folders`): leftovers of
    interrupted writers are swept first (and reported as a warning), the name and the
    study are checked against the screens as they are now, and the swap is atomic.
    """
    import warnings

    from pqstats._fetch import sha256sum
    from pqstats.screens._folders import swap_in, writing

    target = root / name
    with writing(root) as swept:
        if swept:
            warnings.warn(f"removed {len(swept)} leftovers of interrupted screen writes in "
                          f"{root}: {', '.join(swept[:5])}", stacklevel=3)
        if target.exists() and not overwrite:  # appeared while we worked
            raise ScreenImportError(f"screen {name!r} appeared in {root} during the import; "
                                    "pass overwrite=True (--overwrite) or choose another name")
        _check_study(name, manifest, de, declared_study)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        try:
            written = {}
            for table, file in ((de, "de.csv"), (direction, "dir.csv")):
                if table is not None:
                    table.to_csv(tmp / file, index=False)
                    written[file] = sha256sum(tmp / file)
            if genes is not None:
                (tmp / "genes.txt").write_text("".join(f"{g}\n" for g in genes),
                                               encoding="utf-8")
                written["genes.txt"] = sha256sum(tmp / "genes.txt")
            manifest["checksums"] = written
            text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            (tmp / "manifest.json.tmp").write_text(text, encoding="utf-8")
            os.replace(tmp / "manifest.json.tmp", tmp / "manifest.json")
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
            swap_in(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def _umask() -> int:
    from pqstats._io import _umask as umask

    return umask()


def _genes_input(path: Path, ncbi_ids: bool) -> tuple[list[str], dict]:
    """Readout genes of a ``genes`` import, names resolved, and their counts."""
    from pqstats._io import InputFileError, read_gene_list

    try:
        raw = read_gene_list(path, duplicates="error")
    except InputFileError as err:
        raise ScreenImportError(str(err)) from err
    table = pd.DataFrame({"gene": raw})
    c = _resolve([table], ("gene",), "gene", path.name, ncbi_ids)
    c.pop("_mapping_gene")
    _no_duplicates(table, path.name, columns=("gene",))
    genes = table["gene"].tolist()
    return genes, {"input_rows": len(raw), "genes": len(genes), "perts": 0,
                   "train_perts": 0, "test_perts": 0, "pairs_de": 0, "positives": 0,
                   "dir_pairs": 0, "unknown_perts": 0, "unknown_pert_examples": [], **c}


# ------------------------------------------------------------------ public entry point
def import_screen(
    name: str,
    path: str | os.PathLike,
    *,
    cell_line: str,
    format: str | None = None,  # noqa: A002 (the CLI's --format)
    dir_file: str | os.PathLike | None = None,
    pert_column: str | None = None,
    control: str = "non-targeting",
    replicate_column: str | None = None,
    method: str = "t-test",
    test_fraction: float = 0.2,
    split_seed: int = 0,
    description: str | None = None,
    study: str | None = None,
    fdr: float = 0.05,
    min_abs_log2fc: float = 0.25,
    max_positives: int = 20,
    negatives_per_positive: int = 6,
    negative_min_pvalue: float = 0.2,
    sample_seed: int = 0,
    min_cells: int = 10,
    min_expected_count: float = 10.0,
    chunk_rows: int = 10_000,
    data_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    source: bool = False,
    ncbi_ids: bool = False,
    target_column: str | None = None,
) -> ImportedScreen:
    """Import a screen under ``<data_dir>/screens/<name>/`` (see the module docstring).

    Parameters
    ----------
    name : str
        Screen name: lower-case ``[a-z0-9_]+``, not a built-in screen.
    path : path-like
        The input file (CSV / TSV / parquet table, or h5ad).
    cell_line : str
        The cell line, as you name it (e.g. ``"HEK293T"``).
    format : {"pairs", "stats", "h5ad", "genes"}, optional
        Inferred when omitted: h5ad from the file's bytes, ``pairs`` when the table has
        a ``label`` column, ``stats`` when it has a log2 fold change column. ``genes``
        (never inferred): a list of readout genes, one per line, and no labels.
    dir_file : path-like, optional
        ``pairs`` only: a separate Dir table ``pert, gene, label[, split]``.
    pert_column : str, optional
        ``h5ad``: obs column naming each cell's perturbation; by default the first of
        :data:`PERT_COLUMNS` present.
    control : str
        ``h5ad``: the perturbation label of control cells.
    replicate_column : str, optional
        ``h5ad``: obs column of replicates (pseudobulks per perturbation × replicate).
    method : {"t-test", "deseq2"}
        ``h5ad``: Welch's t-test on log-normalised cells (scanpy's t-test, the default)
        or pydeseq2 on pseudobulks (needs replicates); see :mod:`pqstats.screens._de`.
    test_fraction : float
        Share of perturbations held out as ``test`` (when the file has no split).
    split_seed : int
        Seed of the split.
    description : str, optional
        One sentence about the screen (default: made from the format and cell line).
    study : str, optional
        Study id; screens of the same study never feed each other (default: ``name``).
        An import whose input file or whose DE pairs match a registered screen
        (:mod:`pqstats.screens._studies`) is refused unless it is declared that screen's
        study.
    source : bool
        Let this screen's training split feed the transfer and zero-shot tracks of
        other studies' imported screens (default: it feeds none; the built-in screens
        never draw on imported ones).
    fdr, min_abs_log2fc, max_positives, negatives_per_positive, negative_min_pvalue
        The labelling rule of ``stats`` and ``h5ad`` imports
        (:class:`~pqstats.screens._labels.LabelRule`).
    sample_seed : int
        Seed of the negatives' sampling.
    min_cells : int
        ``h5ad``: fewest cells a perturbation (and the control) may have.
    min_expected_count : float
        ``h5ad``: a (perturbation, gene) pair is tested only when the perturbation's
        cells hold, on average, this many counts of the gene under the larger of the
        two group means (:func:`~pqstats.screens._de.testable_pairs`); others are left
        out of the labels (counted as ``untestable_pairs``).
    chunk_rows : int
        ``h5ad``: cells read at a time.
    data_dir : path-like, optional
        Data folder (default: ``$PQSTATS_DATA``, see :func:`pqstats._fetch.data_dir`).
    overwrite : bool
        Replace an existing screen of that name (atomically: a kill at any instant
        leaves the old screen or the new one).
    ncbi_ids : bool
        Names that are whole numbers are NCBI GeneIDs (default: such names are refused,
        as codes of a categorical column are far more common than GeneIDs).
    target_column : str, optional
        ``h5ad``: obs column naming the target gene of each cell's guide, when the
        perturbation column names guides; the split is then drawn by target (a pairs
        or stats table gives the same as a ``target`` column).

    Returns
    -------
    ImportedScreen
        ``name``, ``path`` (the screen folder) and ``manifest``; ``counts`` holds the
        pairs, positives and unknown names.

    Raises
    ------
    ScreenImportError
        On any bad input (the message names the problem and the fix); nothing is written.
    """
    from pqstats._fetch import data_dir as default_data_dir
    from pqstats.screens._folders import check_writable

    root = Path(data_dir if data_dir is not None else default_data_dir()) / "screens"
    _check_name(name, root, overwrite)
    try:
        check_writable(root)
    except OSError as err:
        raise ScreenImportError(str(err)) from None
    if not isinstance(cell_line, str) or not cell_line.strip():
        raise ScreenImportError("cell_line is required: the cell line's label, e.g. HEK293T")
    path = Path(path)
    inputs = [path] + ([Path(dir_file)] if dir_file is not None else [])
    for p in inputs:
        if not p.is_file():
            raise ScreenImportError(f"no such file: {p}")
    if format is None:
        format = _infer_format(path)  # noqa: A001
    if format not in FORMATS:
        raise ScreenImportError(f"unknown format {format!r}; choose {', '.join(FORMATS)}")
    if method not in DE_METHODS:
        raise ScreenImportError(f"unknown DE method {method!r}; choose {', '.join(DE_METHODS)}")
    if dir_file is not None and format != "pairs":
        raise ScreenImportError("--dir-file goes with --format pairs only")
    if not 0 <= test_fraction < 1:
        raise ScreenImportError(f"test_fraction must be in [0, 1), not {test_fraction}")
    if min_cells < 2:
        raise ScreenImportError("min_cells must be >= 2 (a variance needs two cells)")
    if target_column is not None and format != "h5ad":
        raise ScreenImportError("--target-column goes with --format h5ad; a table gives "
                                "targets in a 'target' column")
    if format == "genes":
        return _import_genes(name, path, root, cell_line=cell_line.strip(),
                             description=description, study=study, overwrite=overwrite,
                             source=source, ncbi_ids=ncbi_ids)
    try:
        rule = LabelRule(fdr=fdr, min_abs_log2fc=min_abs_log2fc, max_positives=max_positives,
                         negatives_per_positive=negatives_per_positive,
                         negative_min_pvalue=negative_min_pvalue, seed=sample_seed)
    except ValueError as err:
        raise ScreenImportError(str(err)) from err

    counts: dict = {}
    if format == "pairs":
        de, direction, split, targets, extra = _pairs_input(
            path, inputs[1] if dir_file else None, ncbi_ids)
        rule_text = "labels as given in the file"
    else:
        if format == "stats":
            stats, split, targets, extra = _stats_input(path, ncbi_ids)
        elif format == "de-table":  # cell-eval's schema (pqstats.screens.de_table)
            stats, split, targets, extra = _de_table_input(path, ncbi_ids)
        else:
            stats, targets, extra = _h5ad_input(
                path, pert_column=pert_column, control=control,
                replicate_column=replicate_column, min_cells=min_cells, method=method,
                min_expected_count=min_expected_count, chunk_rows=chunk_rows,
                ncbi_ids=ncbi_ids, target_column=target_column)
            split = None
        de, direction = label_pairs(stats, rule)
        de = de.astype({"pert": str, "gene": str})
        direction = direction.astype({"pert": str, "gene": str})
        rule_text = rule.describe()
        counts["perts_without_pairs"] = int(stats["pert"].nunique() - de["pert"].nunique())
    extra.pop("_mapping_pert", None)
    extra.pop("_mapping_gene", None)
    counts.update(extra)
    if not len(de):
        raise ScreenImportError(f"{path.name}: no pairs to import (no perturbation has a "
                                "positive or a clearly non-DE gene under the rule)")
    counts["split_from_file"] = split is not None
    if split is None:
        split = _draw_split(de, targets, test_fraction, split_seed)
    missing = sorted(set(de["pert"]).union(direction["pert"] if direction is not None else [])
                     - set(split))
    if missing:
        raise ScreenImportError(f"{path.name}: perturbations {missing[:5]} have no split "
                                "(a Dir perturbation must also be in the DE table)")
    de = _with_split(de, split)
    direction = None if direction is None else _with_split(direction, split)
    _check_labels(de, direction, path.name, format)
    counts.update({
        "perts": int(de["pert"].nunique()), "genes": int(de["gene"].nunique()),
        "targets": int(len(set(targets.values()))) if targets else None,
        "pairs_de": int(len(de)), "positives": int(de["label"].sum()),
        "negatives": int((de["label"] == 0).sum()),
        "perts_without_positive": int((de.groupby("pert")["label"].max() == 0).sum()),
        "dir_pairs": int(len(direction)) if direction is not None else 0,
        "dir_up": int(direction["label"].sum()) if direction is not None else 0,
        "train_perts": int(de.loc[de["split"] == "train", "pert"].nunique()),
        "test_perts": int(de.loc[de["split"] == "test", "pert"].nunique()),
    })
    options = {"format": format, "dir_file": inputs[1].name if dir_file else None,
               "pert_column": counts.get("pert_column", pert_column), "control": control,
               "replicate_column": replicate_column, "target_column": target_column,
               "method": method, "test_fraction": test_fraction, "split_seed": split_seed,
               "split_source": "file" if counts["split_from_file"] else "seeded",
               "split_by": "target" if targets else "perturbation",
               "ncbi_ids": ncbi_ids, "min_cells": min_cells,
               "min_expected_count": min_expected_count,
               **{k: v for k, v in rule.as_dict().items() if k != "seed"},
               "sample_seed": sample_seed}
    manifest = _manifest(
        name=name, cell_line=cell_line.strip(),
        description=description or f"{cell_line.strip()} screen imported from {path.name} "
                                   f"({format})",
        study=study or name, fmt=format, inputs=inputs, options=options,
        rule_text=rule_text, counts=counts, has_dir=direction is not None, source=source,
        same_study_as=[])
    target = _write_screen(root, name, de, direction, manifest, overwrite,
                           declared_study=study)
    return ImportedScreen(name=name, path=target, manifest=manifest)


def _import_genes(name: str, path: Path, root: Path, *, cell_line: str,
                  description: str | None, study: str | None,
                  overwrite: bool, source: bool, ncbi_ids: bool) -> ImportedScreen:
    """``import_screen(..., format="genes")``: a screen of readout genes, without labels."""
    genes, counts = _genes_input(path, ncbi_ids)
    manifest = _manifest(
        name=name, cell_line=cell_line,
        description=description or f"{cell_line} cell line with no screen yet: "
                                   f"{len(genes)} readout genes listed in {path.name}",
        study=study or name, fmt="genes", inputs=[path], options={"format": "genes"},
        rule_text="no labels: a list of readout genes", counts=counts, has_dir=False,
        source=False, same_study_as=[])
    manifest["files"] = {"measured": "genes.txt"}
    target = _write_screen(root, name, None, None, manifest, overwrite, genes=genes,
                           declared_study=study)
    return ImportedScreen(name=name, path=target, manifest=manifest)
