"""Low-level parsing helpers shared by the readers: errors, decompression, tables.

Every reader turns bad input into a :class:`KnowledgeFormatError` that names the file,
the 1-based line number where known, what is wrong, and how to fix it.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "KnowledgeFormatError", "read_text", "split_lines", "read_table", "matches", "check_column",
]

PathLike = str | os.PathLike


class KnowledgeFormatError(ValueError):
    """A knowledge file is malformed.

    Parameters
    ----------
    path : path-like
        The offending file.
    line : int or None
        1-based line number of the problem, when it is known.
    problem : str
        What is wrong.
    fix : str, optional
        How to fix it.
    """

    def __init__(self, path: PathLike, line: int | None, problem: str, fix: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{self.path}, line {line}" if line is not None else self.path
        msg = f"{where}: {problem}"
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


def read_text(path: PathLike) -> str:
    """Return a file's text, gunzipping it when it starts with the gzip magic bytes.

    The compression is detected from the bytes, not the file name, so ``x.gmt`` and
    ``x.gmt.gz`` both work. Windows line endings are converted to ``\\n``.

    Raises
    ------
    KnowledgeFormatError
        The gzip stream is truncated or corrupt, or the text is not UTF-8.
    FileNotFoundError
        The file does not exist.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise KnowledgeFormatError(
                path, None, f"the gzip stream is truncated or corrupt ({err})",
                "download the file again (compare its sha256 with SHA256SUMS)",
            ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise KnowledgeFormatError(
            path, line, f"not UTF-8 text (byte {raw[err.start]:#x})",
            "save the file as UTF-8 (or pass the right file)",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_lines(text: str) -> list[str]:
    """Split text into lines, dropping the empty string after a final newline."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class _Lines:
    """File line numbers of a table's rows; shared, not copied, by derived frames.

    (pandas deep-copies ``DataFrame.attrs`` into every derived frame, which would copy
    a large array on each operation.)
    """

    def __init__(self, lines: np.ndarray) -> None:
        self.lines = lines

    def __deepcopy__(self, memo: dict) -> _Lines:
        return self

    def __getitem__(self, i: int) -> int:
        return int(self.lines[i])

    def __len__(self) -> int:
        return len(self.lines)


def read_table(
    path: PathLike,
    *,
    sep: str,
    columns: Sequence[str] | None = None,
    header: Callable[[list[str]], str | None] | None = None,
    ncols: int | None = None,
    quoting: int = csv.QUOTE_NONE,
    what: str = "table",
) -> pd.DataFrame:
    """Read a delimited text file, checking that every line has the same field count.

    Parameters
    ----------
    path : path-like
        File to read (plain or gzip).
    sep : str
        Field separator (``"\\t"`` or ``" "``).
    columns : sequence of str, optional
        Column names for a headerless file (then ``ncols = len(columns)``).
    header : callable, optional
        For a file with a header line: called with the header's fields, returns an
        error message when the header is not the expected one, else None. The header
        fields (``#`` stripped from the first) become the column names.
    ncols : int, optional
        Expected number of fields; defaults to the header's or ``columns``' length.
    quoting : int
        :mod:`csv` quoting mode for pandas.
    what : str
        Name of the format, for error messages.

    Returns
    -------
    pandas.DataFrame
        All columns as ``str``; blank lines are skipped.

    Raises
    ------
    KnowledgeFormatError
        Naming the first line with a wrong field count (too few: "truncated").
    """
    lines = split_lines(read_text(path))
    sep_name = {"\t": "tab", " ": "space", ",": "comma"}.get(sep, repr(sep))
    first = 0
    if header is not None:
        if not lines:
            raise KnowledgeFormatError(path, 1, f"empty file, expected a {what} header",
                                       "pass a non-empty file")
        fields = lines[0].split(sep)
        problem = header(fields)
        if problem:
            raise KnowledgeFormatError(path, 1, problem, f"pass a {what} file")
        fields = [f.strip('"') for f in fields]
        fields[0] = fields[0].lstrip("#")
        names = fields
        first = 1
    elif columns is not None:
        names = list(columns)
    else:  # pragma: no cover - programming error
        raise TypeError("give columns or header")
    n = ncols if ncols is not None else len(names)
    body = lines[first:]
    counts = np.fromiter((ln.count(sep) for ln in body), dtype=np.int64, count=len(body))
    blank = np.fromiter((not ln.strip() for ln in body), dtype=bool, count=len(body))
    bad = np.flatnonzero((counts != n - 1) & ~blank)
    if bad.size:
        i = int(bad[0])
        found = int(counts[i]) + 1
        problem = (
            f"expected {n} {sep_name}-separated fields in this {what}, found {found}"
        )
        if found < n:
            problem += " (the line looks truncated)"
        shown = body[i] if len(body[i]) <= 120 else body[i][:117] + "..."
        problem += f": {shown!r}"
        raise KnowledgeFormatError(
            path, first + i + 1, problem,
            f"every line of a {what} needs exactly {n} fields separated by one {sep_name}; "
            "repair or re-download the file",
        )
    if blank.any():
        body = [ln for ln, b in zip(body, blank, strict=True) if not b]
    if not body:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in names})
    df = pd.read_csv(
        io.StringIO("\n".join(body)),
        sep=sep,
        header=None,
        names=names,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        quoting=quoting,
        index_col=False,
        engine="c",
    )
    # the file line of each row, for later error messages
    rows = np.flatnonzero(~blank) + first + 1
    df.attrs["lines"] = _Lines(rows)
    df.attrs["path"] = str(path)
    return df


def line_of(df: pd.DataFrame, row: int) -> int | None:
    """File line of positional row ``row`` of a frame from :func:`read_table`."""
    lines = df.attrs.get("lines")
    return lines[row] if lines is not None and row < len(lines) else None


def matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Boolean array: does each value fully match ``pattern``? (evaluated once per distinct
    value, so long columns of repeated ids are cheap)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    rx = re.compile(pattern)
    ok = np.fromiter((bool(rx.fullmatch(str(u))) for u in uniques), dtype=bool,
                     count=len(uniques))
    return ok[codes] if len(codes) else np.zeros(0, dtype=bool)


def check_column(
    df: pd.DataFrame,
    column: str,
    ok: pd.Series | np.ndarray,
    problem: str,
    fix: str,
) -> None:
    """Raise for the first row where ``ok`` is False, naming its file line."""
    ok = np.asarray(ok, dtype=bool)
    if ok.all():
        return
    row = int(np.flatnonzero(~ok)[0])
    value = df[column].iloc[row]
    raise KnowledgeFormatError(
        df.attrs.get("path", "<table>"), line_of(df, row), f"{problem}: {value!r}", fix
    )
