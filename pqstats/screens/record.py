"""The screen record: what pqstats knows about one Perturb-seq screen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["READOUTS", "ScreenFile", "Screen"]

#: What a screen's ``gene`` column names: single genes, or gene programmes (``k562_set``).
READOUTS: tuple[str, ...] = ("genes", "programmes")


@dataclass(frozen=True)
class ScreenFile:
    """One file of a screen.

    Attributes
    ----------
    role : str
        ``de`` / ``dir`` (pair tables), ``programmes`` (programme → member genes),
        ``measured`` (the genes the screen measured) or ``input`` (a file a user screen
        was imported from).
    name : str
        File name (in the PerturbQA cache, or in the user screen's folder).
    sha256 : str or None
        Its checksum where one is recorded.
    url : str or None
        Upstream location (PerturbQA files).
    bytes : int or None
        Its size where one is recorded.
    """

    role: str
    name: str
    sha256: str | None = None
    url: str | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class Screen:
    """A registered screen: one Perturb-seq experiment in one cell line.

    Attributes
    ----------
    name : str
        The registered name (lower-case ``[a-z0-9_]+``), what every command takes.
    cell_line : str
        The cell line as people write it (``K562``, ``HepG2``).
    description : str
        One sentence on the cell line and the screen, used by Summer's prompts and the
        report.
    study : str
        Study id: screens of the same study (``k562`` and ``k562_set``) never feed
        each other on the transfer track.
    readout : {"genes", "programmes"}
        What the ``gene`` column of the pair tables names.
    files : tuple of ScreenFile
        The screen's files, with checksums where recorded.
    labels : str
        Where the labels came from.
    label : str
        Short name for figures and tables.
    builtin : bool
        A PerturbQA screen (in code) rather than an imported one.
    path : pathlib.Path or None
        The folder of an imported screen.
    manifest : mapping
        An imported screen's ``manifest.json`` (empty for built-in screens).
    """

    name: str
    cell_line: str
    description: str
    study: str
    readout: str
    files: tuple[ScreenFile, ...]
    labels: str
    label: str
    builtin: bool = True
    path: Path | None = None
    manifest: Mapping = field(default_factory=dict, compare=False, repr=False)

    def file(self, role: str) -> ScreenFile | None:
        """The first file with this role, or None."""
        return next((f for f in self.files if f.role == role), None)

    @property
    def labelled(self) -> bool:
        """Whether the screen has labelled pairs (a DE table); a screen imported from a
        list of readout genes (``format="genes"``) has none."""
        return self.file("de") is not None

    def to_dict(self) -> dict:
        """A JSON-ready view (what ``pqstats screen show --json`` prints)."""
        out = {"name": self.name, "cell_line": self.cell_line,
               "description": self.description, "study": self.study,
               "readout": self.readout, "label": self.label, "builtin": self.builtin,
               "labels": self.labels,
               "files": [{k: v for k, v in vars(f).items() if v is not None}
                         for f in self.files],
               "path": None if self.path is None else str(self.path)}
        if self.manifest:
            out["manifest"] = dict(self.manifest)
        return out
