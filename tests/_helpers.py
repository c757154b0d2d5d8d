"""Helpers shared by test modules in several folders (import them as ``tests._helpers``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


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


def write_file(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` (text or bytes) to ``tmp_path / name`` and return the path."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def error_lines(capsys) -> list[str]:
    """The lines a command wrote to stderr."""
    return capsys.readouterr().err.strip().splitlines()


def tiny_pairs() -> pd.DataFrame:
    """Two perturbations x two genes, both classes in each gene."""
    return pd.DataFrame({"pert": ["a", "b", "a", "b"], "gene": ["g", "g", "h", "h"],
                         "label": [0, 1, 1, 0]})


def blocking_prelude(modules) -> str:
    """Python source that makes ``modules`` (and their submodules) unimportable, as if
    they were not installed: a meta-path finder raises ModuleNotFoundError for them.
    (``sys.modules[name] = None`` would also block them, but libraries that look a
    module up in ``sys.modules`` -- scipy does for torch -- then find ``None``.)"""
    return (
        "import sys\n"
        f"_BLOCKED = {sorted(modules)!r}\n"
        "class _Blocker:\n"
        "    @staticmethod\n"
        "    def find_spec(name, path=None, target=None):\n"
        "        if name.split('.')[0] in _BLOCKED:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r} (blocked)', "
        "name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Blocker)\n"
    )
