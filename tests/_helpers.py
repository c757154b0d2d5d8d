"""Helpers shared by test modules in several folders (import them as ``tests._helpers``)."""

from __future__ import annotations

from pathlib import Path


def linked_data_dir(root: Path) -> Path:
    """A data folder that shares the real one's files and caches (symlinks) but has its
    own ``screens/``: an import registers there without touching the user's screens."""
    from pqstats._fetch import data_dir

    real = data_dir()
    real.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    for entry in real.iterdir():
        if entry.name != "screens":
            (root / entry.name).symlink_to(entry.resolve())
    return root
