"""Files in and out: the one reader of a user's tables and gene lists, and atomic writes.

Reading: :func:`read_table` (CSV / TSV with named columns) and :func:`read_gene_list`
(symbols) are what every command uses for a file the user gives (``pqstats score``,
``enrich``, ``predict --genes``, ``prioritise --candidates``). A file in the wrong form
(binary, not UTF-8, the wrong delimiter, a ragged line, a missing column, a score that is
not a finite number, a repeated row) raises :class:`InputFileError`: one line naming the
file, the line where known, the problem and the form expected.

Writing: results go to a temporary file beside the target, then are renamed (readers
never see half a file), and tables can be written as Markdown.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["InputFileError", "read_user_text", "read_table", "read_gene_list",
           "atomic_write", "atomic_write_text", "atomic_write_csv", "markdown_table",
           "check_writable_folder"]


class InputFileError(ValueError):
    """A file the user gave is not in the form expected.

    The message is one line: ``FILE[, line N]: problem; expected form``.
    """

    def __init__(self, path: str | os.PathLike, problem: str, expected: str = "",
                 line: int | None = None) -> None:
        self.path, self.line, self.problem, self.expected = str(path), line, problem, expected
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {problem}" + (f"; expected {expected}" if expected else ""))


# Leading bytes of binary formats a user may hand over by mistake.
_MAGIC = {b"\x1f\x8b": "gzip-compressed", b"PK\x03\x04": "a zip archive (an Excel .xlsx?)",
          b"PAR1": "a Parquet file", b"\x89HDF": "an HDF5 file (an .h5ad?)",
          b"\xd0\xcf\x11\xe0": "an old Excel / Office file", b"%PDF": "a PDF",
          b"\x93NUMPY": "a NumPy array file", b"GGUF": "a GGUF model file"}


def read_user_text(path: str | os.PathLike, what: str = "text file",
                   expected: str = "UTF-8 text") -> str:
    """The text of a file the user gave (``"-"``: standard input), refusing binary files.

    Windows line endings become ``\\n``; a UTF-8 byte-order mark is dropped.

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    InputFileError
        A folder, a binary file (compressed, Excel, Parquet, HDF5, NUL bytes) or text that
        is not UTF-8.
    """
    if os.fspath(path) == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else \
            sys.stdin.read().encode("utf-8")
    else:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such {what}")
        if p.is_dir():
            raise InputFileError(p, f"is a folder, not a {what}", expected)
        raw = p.read_bytes()
    kind = next((name for magic, name in _MAGIC.items() if raw.startswith(magic)), None)
    if kind is None and b"\x00" in raw[:8192]:
        kind = "a binary file (it holds NUL bytes)"
    if kind is not None:
        raise InputFileError(path, f"is {kind}, not a {what}", expected)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputFileError(path, f"is not UTF-8 text (byte {raw[err.start]:#x})",
                             f"{expected}, saved as UTF-8", line=line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


_SEP_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}


def _delimiter(path: str | os.PathLike, header: str, expected: str) -> str:
    """``","`` or ``"\\t"``: from the extension (.csv, .tsv/.tab), else from the header."""
    suffix = Path(os.fspath(path)).suffix.lower()
    want = {".csv": ",", ".tsv": "\t", ".tab": "\t"}.get(suffix)
    found = [s for s in (",", "\t", ";") if s in header]
    if want is None:  # .txt, no extension, stdin: the header decides
        return "\t" if "\t" in found else ","
    if want not in found and found:
        other = _SEP_NAMES[found[0]]
        raise InputFileError(path, f"is {other}-separated, but a {suffix} file must be "
                             f"{_SEP_NAMES[want]}-separated", expected
                             + f" (save it {_SEP_NAMES[want]}-separated, or rename it "
                             + (".tsv)" if found[0] == "\t" else ".csv)"), line=1)
    return want


def read_table(
    path: str | os.PathLike,
    columns: Sequence[str],
    *,
    numeric: Sequence[str] = (),
    key: Sequence[str] | None = None,
    what: str = "table",
) -> pd.DataFrame:
    """Read a user's CSV or TSV table with a header line, checking its form.

    The delimiter comes from the extension (``.csv``: comma; ``.tsv``/``.tab``: tab) or,
    for other names and standard input (``"-"``), from the header line. Header names are
    compared after stripping spaces and lower-casing (``" Pert"`` is ``pert``), which is
    unambiguous unless two headers then coincide (an error). Cells are stripped of
    surrounding spaces; blank lines are skipped.

    Parameters
    ----------
    path : path-like or "-"
        The file.
    columns : sequence of str
        Required columns (lower case); other columns are kept.
    numeric : sequence of str
        Columns that must hold finite numbers (converted to float).
    key : sequence of str, optional
        Columns that identify a row: a repeated key is an error.
    what : str
        What the file is, for messages (e.g. ``"predictions file"``).

    Returns
    -------
    pandas.DataFrame
        Columns named as normalised; text columns as ``str``; ``attrs["lines"]`` holds the
        file line of each row and ``attrs["path"]`` the path.

    Raises
    ------
    InputFileError
        Binary or non-UTF-8 file, wrong delimiter for the extension, a line with the wrong
        number of fields, ambiguous or missing columns, no rows, a numeric cell that is
        empty, NaN, infinite or text, a repeated key. The message names the file and
        line.
    """
    columns = [c.lower() for c in columns]
    expected = f"a {what} with a header line and columns {','.join(columns)}"
    text = read_user_text(path, what, expected)
    numbered = [(i, ln) for i, ln in enumerate(text.split("\n"), start=1) if ln.strip()]
    if not numbered:
        raise InputFileError(path, "is empty", expected)
    sep = _delimiter(path, numbered[0][1], expected)
    sep_name = _SEP_NAMES[sep]
    try:
        rows = list(csv.reader([ln for _, ln in numbered], delimiter=sep, strict=True))
    except csv.Error as err:
        raise InputFileError(path, f"cannot be parsed as {sep_name}-separated values ({err})",
                             expected) from None
    if len(rows) != len(numbered):  # a quoted field ran over a line break
        raise InputFileError(path, "has a quoted field that spans lines", expected)
    header = [h.strip().lower() for h in rows[0]]
    seen: dict[str, str] = {}
    for raw_name, name in zip(rows[0], header, strict=True):
        if name in seen:
            raise InputFileError(path, f"columns {seen[name]!r} and {raw_name!r} both read as "
                                 f"{name!r} (names are compared without spaces and case)",
                                 expected, line=numbered[0][0])
        seen[name] = raw_name
    missing = [c for c in columns if c not in seen]
    if missing:
        raise InputFileError(
            path, f"has no column {', '.join(missing)} (the header, split at each "
            f"{sep_name}, gives {rows[0]})", expected, line=numbered[0][0])
    body, lines = rows[1:], [i for i, _ in numbered[1:]]
    if not body:
        raise InputFileError(path, "has a header but no rows", expected)
    for fields, line in zip(body, lines, strict=True):
        if len(fields) != len(header):
            raise InputFileError(path, f"has {len(fields)} {sep_name}-separated fields, the "
                                 f"header has {len(header)}", expected, line=line)
    df = pd.DataFrame([[f.strip() for f in fields] for fields in body], columns=header,
                      dtype=str)
    for col in numeric:
        values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            i = int(bad[0])
            ident = (" (" + ", ".join(f"{k} {df[k].iloc[i]}" for k in key) + ")") if key else ""
            raise InputFileError(
                path, f"{bad.size} of {len(df)} rows have a {col} that is not a finite "
                f"number, the first {df[col].iloc[i]!r}{ident}", expected
                + f", every {col} a finite number", line=lines[i])
        df[col] = values
    if key:
        dup = df.duplicated(list(key), keep=False).to_numpy()
        if dup.any():
            first = df[dup].iloc[0]
            rows_of = np.flatnonzero(dup & (df[list(key)] == first[list(key)]).all(1).to_numpy())
            ident = ", ".join(f"{k} {first[k]}" for k in key)
            n_extra = int(df.duplicated(list(key)).sum())
            raise InputFileError(
                path, f"{n_extra} repeated rows ({', '.join(key)}): {ident} is on lines "
                f"{', '.join(str(lines[r]) for r in rows_of[:5])}", expected
                + f", each ({', '.join(key)}) once", line=lines[rows_of[1]])
    df.attrs["lines"] = lines
    df.attrs["path"] = str(path)
    return df


_GENE_COLUMNS = ("gene", "genes", "symbol", "pert")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|nan)", re.I)


def read_gene_list(path: str | os.PathLike, duplicates: str = "drop") -> list[str]:
    """Gene symbols from a file the user gave (``"-"``: standard input).

    A ``.csv`` / ``.tsv`` file is a table (:func:`read_table`): its ``gene`` (or
    ``genes``, ``symbol``, ``pert``) column, or its only column. Any other file is text:
    symbols separated by whitespace, commas or semicolons; ``#`` starts a comment.
    Order is kept. Symbols are not checked against any gene list here: the command using
    them names those it does not know.

    Parameters
    ----------
    path : path-like or "-"
    duplicates : {"drop", "error"}
        A symbol given twice is dropped (default), or refused, with both lines
        (``"error"``: a list that defines something, such as a screen's readouts).

    Raises
    ------
    InputFileError
        A binary file, no symbol at all, a token that is a number (a table passed as a
        list?), or (``duplicates="error"``) a repeated symbol, with its line.
    """
    if duplicates not in ("drop", "error"):
        raise ValueError(f"duplicates must be 'drop' or 'error', got {duplicates!r}")
    expected = ("gene symbols separated by spaces, commas or new lines (or a .csv/.tsv "
                "with a 'gene' column)")
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix in (".csv", ".tsv", ".tab"):
        table = read_table(path, [], what="gene table")
        col = next((c for c in _GENE_COLUMNS if c in table.columns),
                   table.columns[0] if len(table.columns) == 1 else None)
        if col is None:
            raise InputFileError(path, f"has columns {list(table.columns)} but none named "
                                 f"{' or '.join(_GENE_COLUMNS)}", expected, line=1)
        genes = [(g, line) for g, line in zip(table[col], table.attrs["lines"], strict=True)
                 if g]
    else:
        text = read_user_text(path, "gene list", expected)
        genes = [(g, i) for i, line in enumerate(text.split("\n"), start=1)
                 for g in re.split(r"[\s,;]+", line.split("#", 1)[0]) if g]
    for g, line in genes:
        if _NUMBER.fullmatch(g):
            raise InputFileError(path, f"{g!r} is a number, not a gene symbol (is this a "
                                 "table? give it as .csv with a 'gene' column)", expected,
                                 line=line)
    if not genes:
        raise InputFileError(path, "no gene symbols found (the file is empty or only comments)",
                             expected)
    if duplicates == "error":
        first: dict[str, int] = {}
        for g, line in genes:
            if g in first:
                raise InputFileError(path, f"{g!r} is listed twice (lines {first[g]} and "
                                     f"{line}); list each gene once", expected, line=line)
            first[g] = line
    return list(dict.fromkeys(g for g, _ in genes))


def check_writable_folder(path: str | os.PathLike, what: str = "output folder",
                          fix: str = "choose another folder") -> Path:
    """Refuse a folder that cannot be written, before any work that would write there.

    The folder need not exist: its nearest existing parent must be a writable folder
    (tested by creating a file there, so a read-only mount or a full disk shows too), and
    each missing component must fit the file system's name limit.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        One line naming the folder, the problem and ``fix`` (a
        :class:`NotADirectoryError` for a file in the way, a :class:`PermissionError`
        for a folder that cannot be written, a plain :class:`OSError` for a name too long).
    """
    folder = Path(path)
    probe, missing = folder, []
    while not _exists(probe):
        missing.append(probe.name)
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(f"{what} {folder}: {probe} is a file, not a folder; {fix}")
    try:
        limit = os.pathconf(probe, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    long = [m for m in missing if len(os.fsencode(m)) > limit]
    if long:
        raise OSError(f"{what} {folder}: the name {long[0][:40]!r}... has "
                      f"{len(os.fsencode(long[0]))} bytes, more than this file system's "
                      f"{limit}; {fix}")
    try:  # a real write: permissions, a read-only mount and a full disk all show here
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as err:
        raise PermissionError(f"{what} {folder}: {probe} cannot be written "
                              f"({err.strerror or err}); {fix}") from None
    return folder


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system does not exist
        return False


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded.

    Readers never see a half-written file, and a failure leaves nothing behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_csv(path: str | os.PathLike, table, **to_csv) -> Path:
    """Write a DataFrame as CSV atomically (``index=False`` unless given)."""
    to_csv.setdefault("index", False)
    return atomic_write(path, lambda tmp: table.to_csv(tmp, **to_csv))


def markdown_table(table, floatfmt: str = ".3f") -> str:
    """A DataFrame as a Markdown table (floats with ``floatfmt``; ``|`` in text escaped)."""
    cols = [" ".join(map(str, c)).strip() if isinstance(c, tuple) else str(c)
            for c in table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        cells = [format(v, floatfmt) if isinstance(v, float) else str(v).replace("|", "/")
                 for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
