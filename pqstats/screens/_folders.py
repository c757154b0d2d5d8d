"""The folder of imported screens: one writer at a time, atomic swaps, no leftovers.

Every command that writes under ``$PQSTATS_DATA/screens/`` (an import, an
``--overwrite``, a removal) does so inside :func:`writing`, which

* holds an exclusive lock (``.screens.lock`` beside the screens folder, ``flock``;
  released by the kernel when the process dies, so a killed writer never blocks the next
  one);
* first sweeps what interrupted writers left: hidden ``.NAME.tmp-*``,
  ``.NAME.old-*`` and ``.NAME.removing-*`` folders. Only a dead writer can have left
  one, because a live one holds the lock while such a folder exists. A screen whose
  swap was cut between its two renames (systems without an atomic exchange) is put
  back from its ``.NAME.old-*`` folder before anything is deleted. What was swept is
  returned, and the caller reports it.

:func:`swap_in` makes a complete new folder the screen in one step: on Linux an atomic
exchange of the two folders (``renameat2(RENAME_EXCHANGE)``), so a reader (or a kill at
any instant) sees the old screen or the new one, never neither; elsewhere two renames
whose gap the next writer's sweep repairs.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LOCK_FILE", "writing", "sweep", "swap_in", "check_writable"]

LOCK_FILE = ".screens.lock"
_LEFTOVER = re.compile(r"^\.(?P<name>[a-z0-9_]+)\.(?P<kind>tmp|old|removing)-[A-Za-z0-9_]+$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def check_writable(root: Path) -> None:
    """Refuse a screens folder that cannot be written, before any work is done.

    Raises
    ------
    OSError
        One line naming the folder and the fix (:func:`pqstats._io.check_writable_folder`).
    """
    from pqstats._io import check_writable_folder

    check_writable_folder(root, "screens folder", "make it writable, or point PQSTATS_DATA "
                          "(or data_dir) at a writable folder")


@contextlib.contextmanager
def writing(root: Path) -> Iterator[list[str]]:
    """Hold the screens folder's write lock; yields the leftovers swept on entry."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root.parent / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, as before
            fcntl = None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield sweep(root)
    finally:
        os.close(fd)  # releases the lock


def sweep(root: Path) -> list[str]:
    """Remove what interrupted writers left in ``root`` (call with the lock held).

    Returns
    -------
    list of str
        The folders removed (and ``restored NAME`` for a screen put back).
    """
    done: list[str] = []
    if not root.is_dir():
        return done
    for entry in sorted(root.iterdir()):
        m = _LEFTOVER.match(entry.name)
        if m is None or not entry.is_dir() or entry.is_symlink():
            continue
        target = root / m.group("name")
        kept = entry / m.group("name")
        if (m.group("kind") == "old" and not target.exists()
                and (kept / "manifest.json").is_file()):
            os.replace(kept, target)  # a swap cut between its two renames: the old stays
            done.append(f"restored {m.group('name')}")
        shutil.rmtree(entry, ignore_errors=True)
        done.append(entry.name)
    return done


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot
        return False
    raise OSError(err, f"cannot swap {a} and {b}: {os.strerror(err)}")


def swap_in(new: Path, target: Path) -> None:
    """Make the complete folder ``new`` the folder ``target`` in one step (see the docs).

    ``new`` is a hidden ``.NAME.tmp-*`` folder beside ``target``; afterwards it is gone.
    """
    if not target.exists():
        os.replace(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # now holds the old screen
        return
    old = new.with_name(new.name.replace(".tmp-", ".old-", 1))
    old.mkdir()
    os.replace(target, old / target.name)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
