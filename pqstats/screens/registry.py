"""The screen registry: every screen pqstats knows, and the one resolver of screen names.

Two kinds of screen are registered:

* the five PerturbQA screens, in code (:data:`pqstats.screens.perturbqa.SCREENS`);
* screens a user imported: a folder ``$PQSTATS_DATA/screens/<name>/`` holding
  ``manifest.json`` (written last, so its presence means the screen is complete),
  ``de.csv`` and optionally ``dir.csv`` and ``genes.txt`` (a screen imported from a list
  of readout genes, ``format: "genes"``, has only ``genes.txt``: no labels). They are
  discovered afresh on every lookup, so an import or a removal is seen at once.

Names
-----
A registered name is lower-case ``[a-z0-9_]+``. Every command and public function that
takes a screen (or a cell line) passes it through :func:`get_screen`, which applies one
rule: surrounding whitespace is dropped, case is ignored and ``-`` reads as ``_``
(``" K562 "``, ``"k562"`` and ``"K562-set"`` / ``"k562_set"`` are accepted). Nothing
else is guessed: any other name is refused with the closest registered names suggested.
A command that needs single-gene readouts asks for ``readout="genes"``, and then a
programme screen is refused with the same message everywhere.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

from pqstats._fetch import data_dir
from pqstats.screens.perturbqa import SCREENS as PERTURBQA_SCREENS
from pqstats.screens.record import READOUTS, Screen, ScreenFile
from pqstats.screens.tables import DatasetError

__all__ = [
    "SCREENS_SUBDIR",
    "MANIFEST",
    "UnknownScreenError",
    "ScreenReadoutError",
    "UnlabelledScreenError",
    "unlabelled_message",
    "normalise_screen_name",
    "screens_dir",
    "builtin_screens",
    "list_screens",
    "broken_screens",
    "screen_names",
    "get_screen",
    "resolve_screen",
    "remove_screen",
]

#: Folder under :func:`pqstats.data_dir` that holds imported screens.
SCREENS_SUBDIR = "screens"
#: The file whose presence makes a folder an imported screen.
MANIFEST = "manifest.json"
_NAME = re.compile(r"[a-z0-9_]+")
_MANIFEST_KEYS = ("schema", "name", "cell_line", "description", "study", "readout", "files")


class UnknownScreenError(DatasetError):
    """A name that is not a registered screen (the message suggests the closest ones)."""


class UnlabelledScreenError(DatasetError):
    """A command that needs labelled pairs was given a screen that has only readout genes."""


def unlabelled_message(screen: Screen, needs: str = "labelled pairs") -> str:
    """Why a genes-only screen cannot be used where labels are needed, and what to do."""
    return (f"screen {screen.name!r} has no labels: it was imported from a list of readout "
            f"genes (--format genes), and this needs {needs}; predict, explain and "
            f"prioritise score it with --track zero-shot (the default for it), or import "
            f"its screened pairs (`pqstats screen import -h`)")


class ScreenReadoutError(DatasetError):
    """A screen whose readout a command cannot use (gene programmes where genes are needed)."""


def normalise_screen_name(name: str) -> str:
    """The registry's spelling of ``name``: stripped, lower-case, ``-`` read as ``_``.

    >>> normalise_screen_name(" K562-Set ")
    'k562_set'
    """
    if not isinstance(name, str):
        raise UnknownScreenError(f"a screen name must be a string, got {name!r}")
    return name.strip().lower().replace("-", "_")


def screens_dir() -> Path:
    """``$PQSTATS_DATA/screens``: where imported screens live (it may not exist yet)."""
    return data_dir() / SCREENS_SUBDIR


def builtin_screens() -> tuple[Screen, ...]:
    """The PerturbQA screens, in the benchmark's order."""
    return PERTURBQA_SCREENS


def _manifest_problem(manifest, folder_name: str) -> str | None:
    """What makes a manifest unusable, or None."""
    if not isinstance(manifest, dict):
        return "is not a JSON object"
    missing = [k for k in _MANIFEST_KEYS if k not in manifest]
    if missing:
        return f"lacks {', '.join(missing)}"
    if manifest["name"] != folder_name:
        return f"names the screen {manifest['name']!r}, not {folder_name!r}"
    if manifest["readout"] not in READOUTS:
        return f"has readout {manifest['readout']!r}, not one of {', '.join(READOUTS)}"
    if not isinstance(manifest["files"], dict):
        return f"has 'files' {manifest['files']!r}, not an object"
    if manifest.get("format") == "genes":  # a list of readout genes, no labels
        if manifest["files"].get("measured") != "genes.txt":
            return "is a genes-only screen without 'measured': 'genes.txt' in 'files'"
    elif "de" not in manifest["files"]:
        return f"has no de table in 'files' ({manifest['files']!r})"
    return None


def _user_screen(folder: Path) -> Screen:
    """The record of an imported screen, from its manifest (a clear error if broken)."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DatasetError(f"{path}: not a readable manifest ({err}); re-import the screen "
                           f"or `pqstats screen remove {folder.name}`") from err
    problem = _manifest_problem(manifest, folder.name)
    if problem:
        raise DatasetError(f"{path} {problem}; re-import the screen or `pqstats screen "
                           f"remove {folder.name}`")
    files = [ScreenFile(role=role, name=str(name)) for role, name in manifest["files"].items()
             if name]
    if "measured" not in manifest["files"] and (folder / "genes.txt").is_file():
        files.append(ScreenFile(role="measured", name="genes.txt"))
    for item in manifest.get("inputs") or []:
        if isinstance(item, dict) and "file" in item:
            files.append(ScreenFile(role="input", name=str(item["file"]),
                                    sha256=item.get("sha256"), bytes=item.get("bytes")))
    labelling = manifest.get("labelling") or {}
    cell_line = str(manifest["cell_line"])
    return Screen(name=folder.name, cell_line=cell_line,
                  description=str(manifest["description"]), study=str(manifest["study"]),
                  readout=manifest["readout"], files=tuple(files),
                  labels=str(labelling.get("rule", "imported")) if isinstance(labelling, dict)
                  else "imported",
                  label=cell_line if cell_line.lower() == folder.name
                  else f"{cell_line} ({folder.name})",
                  builtin=False, path=folder, manifest=manifest)


def _discover() -> tuple[list[Screen], dict[str, str]]:
    """Imported screens (sorted by name), and the broken ones: name → what is wrong."""
    root = screens_dir()
    builtin = {s.name for s in PERTURBQA_SCREENS}
    screens, broken = [], {}
    if not root.is_dir():
        return screens, broken
    for folder in sorted(root.iterdir()):
        if not (folder.is_dir() and (folder / MANIFEST).is_file()):
            continue  # stray files and folders
        if folder.name.startswith("."):
            continue  # temporary folders of an import or a removal
        if not _NAME.fullmatch(folder.name):
            broken[folder.name] = (f"{folder!r} is not a valid screen name (lower-case "
                                   "letters, digits and _ only); rename the folder")
            continue
        if folder.name in builtin:
            broken[folder.name] = (f"{folder} has the name of a built-in screen, which it "
                                   "would shadow; remove or rename the folder")
            continue
        try:
            screens.append(_user_screen(folder))
        except DatasetError as err:
            broken[folder.name] = str(err)
    return screens, broken


def list_screens(builtin: bool = True, user: bool = True) -> list[Screen]:
    """Every registered screen: the PerturbQA ones, then imported ones by name.

    Imported screens whose manifest is broken are left out (:func:`get_screen` names
    the problem).
    """
    return ([*PERTURBQA_SCREENS] if builtin else []) + (_discover()[0] if user else [])


def broken_screens() -> dict[str, str]:
    """Screen folders with a manifest that cannot be read: name → the problem."""
    return _discover()[1]


def screen_names() -> list[str]:
    """Names of :func:`list_screens`."""
    return [s.name for s in list_screens()]


def get_screen(name: str | Screen, readout: str | None = None) -> Screen:
    """The registered screen called ``name``: the one resolver of screen names.

    Parameters
    ----------
    name : str or Screen
        A screen name (or a cell line's screen: ``"K562"``); see the module docstring
        for the spellings accepted. A :class:`Screen` is checked and returned.
    readout : {"genes", "programmes"}, optional
        Refuse a screen with another readout (a command that scores single genes asks
        for ``"genes"``).

    Returns
    -------
    Screen

    Raises
    ------
    UnknownScreenError
        Not a registered name; the message suggests the closest names.
    ScreenReadoutError
        The screen's readout is not ``readout``.
    DatasetError
        An imported screen whose manifest is broken (the message says how to fix it).
    """
    if readout is not None and readout not in READOUTS:
        raise ValueError(f"readout must be one of {', '.join(READOUTS)}, got {readout!r}")
    key = name.name if isinstance(name, Screen) else normalise_screen_name(name)
    screen = next((s for s in PERTURBQA_SCREENS if s.name == key), None)
    if screen is None:
        users, broken = _discover()
        if key in broken:
            raise DatasetError(broken[key])
        screen = next((s for s in users if s.name == key), None)
        if screen is None:
            names = [s.name for s in PERTURBQA_SCREENS] + [s.name for s in users]
            close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
            guess = f"did you mean {' or '.join(close)}? " if close else ""
            raise UnknownScreenError(
                f"unknown screen {name.strip()!r}; {guess}registered screens: {', '.join(names)} "
                "(`pqstats screen list` describes them)")
    if readout is not None and screen.readout != readout:
        raise ScreenReadoutError(_readout_message(screen, readout))
    return screen


def _readout_message(screen: Screen, wanted: str) -> str:
    has = "gene programmes" if screen.readout == "programmes" else "single genes"
    needs = "single genes" if wanted == "genes" else "gene programmes"
    alternatives = [s.name for s in list_screens()
                    if s.study == screen.study and s.readout == wanted]
    hint = (f"; use {' or '.join(alternatives)} (the same study, read out as {needs})"
            if alternatives else "")
    return (f"screen {screen.name!r} reads out {has}, and this needs a screen that reads "
            f"out {needs}{hint}")


def resolve_screen(name: str | Screen, readout: str | None = None) -> str:
    """The registered name of ``name`` (:func:`get_screen`, returning the name)."""
    return get_screen(name, readout=readout).name


def remove_screen(name: str) -> Path:
    """Delete an imported screen's folder; built-in screens cannot be removed.

    The folder is first renamed to a hidden temporary name (so the screen disappears
    at once and whole), then deleted. A screen with a broken manifest can be removed.

    Returns
    -------
    pathlib.Path
        The folder that held the screen.
    """
    key = normalise_screen_name(name)
    if any(s.name == key for s in PERTURBQA_SCREENS):
        raise DatasetError(f"{key!r} is a built-in PerturbQA screen; only imported screens "
                           "can be removed")
    folder = screens_dir() / key
    if not (_NAME.fullmatch(key) and (folder / MANIFEST).is_file()):
        get_screen(name)  # raises the unknown-screen error with its suggestions
        raise UnknownScreenError(f"no imported screen {name!r} in {screens_dir()}")
    from pqstats.screens._folders import writing

    with writing(screens_dir()):
        if not folder.is_dir():  # removed by another process meanwhile
            raise UnknownScreenError(f"no imported screen {name!r} in {screens_dir()}")
        doomed = folder.with_name(f".{key}.removing-{uuid.uuid4().hex[:8]}")
        os.replace(folder, doomed)
        shutil.rmtree(doomed)
    return folder
