"""Checksummed, mirror-aware fetching of data files into the local cache.

Every file pqstats reads from outside the repository (the PerturbQA benchmark files,
the knowledge bundle) goes through :func:`fetch_file`:

1. If the file is already cached under :func:`data_dir` with the right sha256, it is
   returned as is.
2. Otherwise it is copied from a *mirror* directory when one is configured
   (argument ``mirror`` or the ``PQSTATS_MIRROR`` environment variable, layout
   ``<mirror>/<subdir>/<file>``), or downloaded from its upstream URL.
3. The copy is verified against its sha256 and moved into place atomically
   (``pooch`` writes to a temporary file and renames it), so a failed or interrupted
   fetch never leaves a half-written file in the cache.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pooch

from pqstats._settings import DATA_ENV, MIRROR_ENV, data_dir, mirror_dir

__all__ = [
    "MIRROR_ENV",
    "DATA_ENV",
    "RemoteFile",
    "DataUnavailableError",
    "ChecksumError",
    "data_dir",
    "mirror_dir",
    "fetch_file",
    "sha256sum",
]

pooch.get_logger().setLevel(logging.WARNING)


@dataclass(frozen=True)
class RemoteFile:
    """A data file with a known checksum and an upstream location.

    Parameters
    ----------
    name : str
        File name, also its name in the cache and in the mirror.
    subdir : str
        Folder under the cache and the mirror (``"perturbqa"`` or ``"knowledge"``).
    url : str
        Upstream download URL.
    sha256 : str
        Expected SHA-256 of the file's bytes (hex).
    """

    name: str
    subdir: str
    url: str
    sha256: str


class DataUnavailableError(FileNotFoundError):
    """A data file could not be found in the cache, the mirror or upstream.

    ``summary`` says what is missing without this machine's paths (for result files that
    are committed); ``str(err)`` is the full message with where it looked and the fix.
    """

    def __init__(self, message: str, *, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary or message


class ChecksumError(ValueError):
    """A data file's bytes do not match the checksum in pqstats' registry."""


def sha256sum(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as hex."""
    return pooch.file_hash(str(path), alg="sha256")


def _mirror_downloader(source: Path):
    def download(url: str, output_file, pooch_obj) -> None:  # noqa: ARG001 (pooch API)
        with open(source, "rb") as src:
            if isinstance(output_file, (str, os.PathLike)):
                with open(output_file, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            else:
                shutil.copyfileobj(src, output_file)

    return download


def fetch_file(
    remote: RemoteFile,
    *,
    mirror: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    progress: bool = False,
) -> Path:
    """Return a verified local path to ``remote``, fetching it if needed.

    Parameters
    ----------
    remote : RemoteFile
        The file to fetch.
    mirror : path-like, optional
        Mirror directory holding ``<subdir>/<name>``; defaults to ``PQSTATS_MIRROR``.
        When no mirror is set the file is downloaded from ``remote.url``.
    cache : path-like, optional
        Cache directory; defaults to :func:`data_dir`.
    progress : bool
        Show a download progress bar (upstream downloads only).

    Returns
    -------
    pathlib.Path
        Path of the verified file in the cache.

    Raises
    ------
    DataUnavailableError
        The file is in neither the cache nor the mirror, or the download failed (a
        corrupt cached copy is named as such).
    ChecksumError
        The mirror's or upstream's bytes do not match ``remote.sha256``.
    pqstats._settings.SettingError
        ``PQSTATS_MIRROR`` or ``PQSTATS_DATA`` names something that is not a folder.
    """
    mirror_path = Path(mirror).expanduser().resolve() if mirror is not None else mirror_dir()
    target_dir = (Path(cache) if cache is not None else data_dir()) / remote.subdir
    target = target_dir / remote.name
    corrupt = ""
    if target.is_file():
        if sha256sum(target) == remote.sha256:
            return target
        corrupt = (f"the cached copy {target} is corrupt (its sha256 is not {remote.sha256})"
                   " and was not replaced: ")

    if mirror_path is not None:
        source = mirror_path / remote.subdir / remote.name
        if not source.is_file():
            raise DataUnavailableError(
                f"{corrupt}{remote.name} is not in the mirror: looked for {source} "
                f"({MIRROR_ENV}={mirror_path}). Fix: put the file there (sha256 "
                f"{remote.sha256}, upstream {remote.url}), or unset {MIRROR_ENV} to "
                "download it from upstream.",
                summary=f"{remote.name} is not in the mirror (see `pqstats fetch`)",
            )
        downloader = _mirror_downloader(source)
        origin = str(source)
    else:
        downloader = pooch.HTTPDownloader(progressbar=progress)
        origin = remote.url

    target_dir.mkdir(parents=True, exist_ok=True)
    try:
        path = pooch.retrieve(
            url=remote.url,
            known_hash=f"sha256:{remote.sha256}",
            fname=remote.name,
            path=target_dir,
            downloader=downloader,
        )
    except ValueError as err:
        if "hash" not in str(err).lower():
            raise
        raise ChecksumError(
            f"{corrupt}checksum mismatch for {remote.name} from {origin}: expected sha256 "
            f"{remote.sha256}. The file is corrupt or a different version; nothing was "
            f"written to {target_dir}. Fix: replace it with the published file "
            f"({remote.url})."
        ) from None
    except OSError as err:  # network errors from requests subclass OSError
        raise DataUnavailableError(
            f"{corrupt}could not fetch {remote.name} from {origin}: {err}. Fix: set "
            f"{MIRROR_ENV} to a directory holding {remote.subdir}/{remote.name}, or check "
            "the network" + (f"; or replace {target} with the published file." if corrupt
                             else "."),
            summary=f"{remote.name} could not be fetched (see `pqstats fetch`)",
        ) from err
    return Path(path)
