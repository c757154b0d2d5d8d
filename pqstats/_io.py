"""Writing results: atomically (temporary file beside the target, then rename), and as
Markdown tables."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text", "atomic_write_csv", "markdown_table"]


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
