"""Install llama-cpp-python from a wheel built once per machine, not once per clone.

The llm extra compiles llama.cpp from source (minutes on 2 cores). The wheel is cached
outside the repository, under ``${XDG_CACHE_HOME:-~/.cache}/pqstats/wheels/<key>/``, where
the key hashes everything that decides the build: the llama-cpp-python requirement from
pyproject.toml, CMAKE_ARGS, the CPU's flags (/proc/cpuinfo), the C compiler's version and
the Python/ABI/platform tag. A wheel built on another CPU or with other CMAKE_ARGS therefore
never gets reused, which is why pip's own wheel cache stays off for this one build.

Usage: ``python tools/llama_wheel.py`` with the venv's Python (the Makefile's setup does it).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def requirement() -> str:
    """The llm extra's llama-cpp-python requirement, without its extras (``[server]``)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["llm"]
    req = next(r for r in extras if r.startswith("llama-cpp-python"))
    return re.sub(r"\[.*?\]", "", req).replace(" ", "")


def cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return platform.machine() + " " + platform.processor()


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or "cc"
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, check=False)
        return out.stdout.splitlines()[0] if out.stdout else cc
    except OSError:
        return cc


def cache_key(req: str) -> str:
    tag = f"{sys.implementation.cache_tag}-{sysconfig.get_platform()}"
    parts = [req, os.environ.get("CMAKE_ARGS", ""), cpu_flags(), compiler(), tag]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def main() -> int:
    req = requirement()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "pqstats" / "wheels" / cache_key(req)
    wheels = sorted(folder.glob("llama_cpp_python-*.whl"))
    if not wheels:
        folder.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {req} once for this machine into {folder}", flush=True)
        with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
            # --no-cache-dir: pip's wheel cache is not keyed by CPU or CMAKE_ARGS
            subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--no-cache-dir", "--wheel-dir", tmp, req], check=True)
            try:
                os.rename(tmp, folder)  # atomic: a concurrent build of the same key wins once
            except OSError:
                if not folder.is_dir():
                    raise
            os.makedirs(tmp, exist_ok=True)  # for TemporaryDirectory's cleanup
        wheels = sorted(folder.glob("llama_cpp_python-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    str(wheels[-1])], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
