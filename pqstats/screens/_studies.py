"""Studies, not names: an import that repeats an existing screen must say it is that study.

Screens of one study never feed each other (``k562`` and ``k562_set``). A study is what a
user declares (``study=``), so the same data imported twice under two names, with two
split seeds, would otherwise pass for two studies, and each copy's test perturbations
would be training perturbations of its twin on the transfer track.

:func:`matching_screens` compares a new screen with every registered one, built-in and
imported, in two ways:

* **input**: the sha256 of a file it was imported from equals a file the other screen
  was imported from (or, for a PerturbQA screen, one of its files);
* **pairs**: at least :data:`PAIR_OVERLAP` of the new screen's (perturbation, gene) DE
  pairs are pairs of the other screen (names compared after resolution). A PerturbQA
  screen's pairs are compared where its file is cached or mirrored (an import never
  downloads for this); its checksums are always compared.

An import that matches a screen of another study is refused (:mod:`pqstats.screens.imports`
says how to declare the study); one declared the same study is recorded in its manifest
(``same_study_as``), and the tracks then keep the two apart.
"""

from __future__ import annotations

import pandas as pd

from pqstats.screens.record import Screen

__all__ = ["PAIR_OVERLAP", "matching_screens"]

#: Share of a new screen's DE pairs found in another screen that makes the two one data set.
PAIR_OVERLAP = 0.5


def _input_checksums(screen: Screen) -> set[str]:
    return {f.sha256 for f in screen.files if f.sha256}


def _pair_overlap(screen: Screen, pairs: pd.MultiIndex) -> float | None:
    """Share of ``pairs`` that are DE pairs of ``screen`` (None: its table is unavailable)."""
    from pqstats.screens.load import load_pairs

    if not screen.labelled or not len(pairs):
        return None
    if screen.builtin:  # compared where its file is here; never downloaded for this
        from pqstats._fetch import data_dir, mirror_dir

        entry = screen.file("de")
        if mirror_dir() is None and not (data_dir() / "perturbqa" / entry.name).is_file():
            return None
    try:
        other = load_pairs(screen, "de")
    except (OSError, ValueError):  # unavailable or broken: its checksum still counts
        return None
    theirs = pd.MultiIndex.from_frame(other[["pert", "gene"]])
    return float(pairs.isin(theirs).mean())


def matching_screens(name: str, checksums: set[str], de: pd.DataFrame | None
                     ) -> list[tuple[Screen, str]]:
    """Registered screens (other than ``name``) holding the same data, and why.

    Parameters
    ----------
    name : str
        The screen being imported (an existing screen of that name is the one replaced).
    checksums : set of str
        sha256 of the files it is imported from.
    de : pandas.DataFrame or None
        Its DE pairs (``pert, gene``), names resolved.

    Returns
    -------
    list of (Screen, str)
        Each matching screen, with the reason in words.
    """
    from pqstats.screens.registry import list_screens

    pairs = (pd.MultiIndex.from_frame(de[["pert", "gene"]]) if de is not None
             else pd.MultiIndex.from_tuples([], names=["pert", "gene"]))
    out = []
    for screen in list_screens():
        if screen.name == name:
            continue
        same = checksums & _input_checksums(screen)
        if same:
            out.append((screen, f"the same input file (sha256 {sorted(same)[0][:12]}...)"))
            continue
        share = _pair_overlap(screen, pairs)
        if share is not None and share >= PAIR_OVERLAP:
            out.append((screen, f"{share:.0%} of its DE pairs"))
    return out
