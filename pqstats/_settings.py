"""Every ``PQSTATS_*`` environment variable, read and checked in one place.

=========================  =============================================================
variable                   meaning
=========================  =============================================================
``PQSTATS_DATA``           cache folder for fetched files, parsed sources, models
                           (default: ``data/`` of the checkout); created when missing,
                           refused when it names a file
``PQSTATS_MIRROR``         folder laid out like ``../shared`` (``perturbqa/``,
                           ``knowledge/``) to copy files from instead of downloading
                           them; must be an existing folder
``PQSTATS_KNOWLEDGE_DIR``  folder of your own knowledge files (standard names) that the
                           default graph reads instead of the verified bundle; must be
                           an existing folder
``PQSTATS_EXCLUDE_SOURCES`` comma-separated knowledge sources to leave out of the default
                           graph and the default gene-set libraries (``corum`` for
                           commercial use); an unknown name is refused
=========================  =============================================================

A ``PQSTATS_*`` variable that is none of these (``PQSTATS_EXCLUDE_SOURCE=corum``, the S
missing) raises :class:`SettingError` with the closest known name, at the first read of
any setting: a misspelt licence or data setting is never ignored without a word.
(``PQSTATS_BENCH_*`` belong to the speed benchmarks in ``benchmarks/``.)

A value pqstats cannot use raises :class:`SettingError` naming the variable, its value and
the fix, at the first use: a setting that guards a licence or the data must never be
ignored silently. An empty value counts as unset. Callers read the settings through the
functions here (:func:`data_dir`, :func:`mirror_dir`, :func:`knowledge_dir`,
:func:`name_list`), never through ``os.environ``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection
from pathlib import Path

__all__ = [
    "DATA_ENV",
    "MIRROR_ENV",
    "KNOWLEDGE_DIR_ENV",
    "EXCLUDE_SOURCES_ENV",
    "KNOWN_VARIABLES",
    "SettingError",
    "check_environment",
    "data_dir",
    "mirror_dir",
    "knowledge_dir",
    "name_list",
]

DATA_ENV = "PQSTATS_DATA"
MIRROR_ENV = "PQSTATS_MIRROR"
KNOWLEDGE_DIR_ENV = "PQSTATS_KNOWLEDGE_DIR"
EXCLUDE_SOURCES_ENV = "PQSTATS_EXCLUDE_SOURCES"
#: Every ``PQSTATS_*`` variable pqstats reads.
KNOWN_VARIABLES: tuple[str, ...] = (DATA_ENV, MIRROR_ENV, KNOWLEDGE_DIR_ENV,
                                    EXCLUDE_SOURCES_ENV)
_BENCHMARK_PREFIX = "PQSTATS_BENCH_"


class SettingError(ValueError):
    """A ``PQSTATS_*`` environment variable holds a value pqstats cannot use."""


def check_environment() -> None:
    """Refuse a ``PQSTATS_*`` environment variable that pqstats does not know.

    Raises
    ------
    SettingError
        Naming every unknown variable and, for each, the closest known name.
    """
    unknown = sorted(k for k in os.environ if k.upper().startswith("PQSTATS_")
                     and k not in KNOWN_VARIABLES and not k.startswith(_BENCHMARK_PREFIX))
    if not unknown:
        return
    parts = []
    for k in unknown:
        tails = {v[len("PQSTATS_"):]: v for v in KNOWN_VARIABLES}  # the prefix matches all
        close = difflib.get_close_matches(k.upper()[len("PQSTATS_"):], list(tails), n=1,
                                          cutoff=0.6)
        parts.append(f"{k}={os.environ[k]}"
                     + (f" (did you mean {tails[close[0]]}?)" if close else ""))
    raise SettingError(f"unknown setting {'; '.join(parts)}: pqstats reads only "
                       f"{', '.join(KNOWN_VARIABLES)}. Fix: rename or unset it")


def _raw(env: str) -> str | None:
    check_environment()
    value = os.environ.get(env, "").strip()
    return value or None


def _folder(env: str, *, must_exist: bool, fix: str) -> Path | None:
    """The folder named by ``env`` (None when unset), checked."""
    value = _raw(env)
    if value is None:
        return None
    path = Path(value).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise SettingError(f"{env}={value} is a file, not a folder. Fix: {fix}")
    if must_exist and not path.exists():
        raise SettingError(f"{env}={value} does not exist. Fix: {fix}")
    return path


def _project_root() -> Path | None:
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def data_dir() -> Path:
    """The cache folder: ``$PQSTATS_DATA``, else ``data/`` of the checkout.

    Installed outside a source checkout, the default is the user cache folder.

    Raises
    ------
    SettingError
        ``PQSTATS_DATA`` names a file.
    """
    path = _folder(DATA_ENV, must_exist=False,
                   fix=f"point {DATA_ENV} at a folder (it is created when missing), or unset "
                       "it to use data/ of the checkout")
    if path is not None:
        return path
    root = _project_root()
    if root is not None:
        return root / "data"
    import pooch

    return Path(pooch.os_cache("pqstats"))


def mirror_dir() -> Path | None:
    """The mirror folder named by ``$PQSTATS_MIRROR``, or None when it is unset.

    Raises
    ------
    SettingError
        The variable names a file or a folder that does not exist.
    """
    return _folder(MIRROR_ENV, must_exist=True,
                   fix=f"point {MIRROR_ENV} at a folder laid out like ../shared (perturbqa/, "
                       "knowledge/), or unset it to download the files from upstream")


def knowledge_dir() -> Path | None:
    """The folder of your own knowledge files named by ``$PQSTATS_KNOWLEDGE_DIR``, or None.

    Raises
    ------
    SettingError
        The variable names a file or a folder that does not exist.
    """
    return _folder(KNOWLEDGE_DIR_ENV, must_exist=True,
                   fix=f"point {KNOWLEDGE_DIR_ENV} at the folder holding your knowledge "
                       "files (standard names, see pqstats.knowledge.SOURCES), or unset it "
                       "to use the verified bundle")


def name_list(env: str, valid: Collection[str], what: str = "name") -> frozenset[str]:
    """The comma-separated names in ``$env`` (lower-cased, blanks dropped), all checked.

    Parameters
    ----------
    env : str
        The variable, e.g. :data:`EXCLUDE_SOURCES_ENV`.
    valid : collection of str
        The names it may hold.
    what : str
        What a name is, for the message (``"source"``).

    Raises
    ------
    SettingError
        A name is not in ``valid`` (every such name is listed, with the closest valid
        ones).
    """
    names = frozenset(s.strip().lower() for s in (_raw(env) or "").split(",") if s.strip())
    unknown = sorted(names - set(valid))
    if unknown:
        close = sorted({m for u in unknown for m in difflib.get_close_matches(u, valid, n=2)})
        guess = f" (did you mean {', '.join(close)}?)" if close else ""
        raise SettingError(f"{env} names unknown {what}(s) {unknown}{guess}; choose from "
                           f"{', '.join(valid)}, comma-separated")
    return names
