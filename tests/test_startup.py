"""Fast start: ``import pqstats`` and ``pqstats --help`` load no numerical library.

The package and its sub-packages import their public names on first use (PEP 562) and the
command line imports the library inside each command. These tests check what is loaded
(``sys.modules`` in a fresh interpreter), never how long it takes.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "matplotlib", "xgboost", "networkx")
SUBPACKAGES = ("pqstats", "pqstats.enrichment", "pqstats.knowledge", "pqstats.screens",
               "pqstats.features", "pqstats.summer")


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level modules loaded after running ``code`` in a fresh interpreter."""
    probe = (f"import sys\n{code}\n"
             f"print(__import__('json').dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _commands() -> list[list[str]]:
    """Every command and nested command of ``pqstats``, as argument lists."""
    import argparse

    from pqstats.cli import build_parser

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
        found = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found += [[*prefix, name], *walk(child, [*prefix, name])]
        return found

    return walk(build_parser(), [])


def test_import_pqstats_and_its_subpackages_load_no_numerical_library():
    assert _loaded_after("import " + ", ".join(SUBPACKAGES)) == []


def test_help_of_every_command_loads_no_numerical_library():
    commands = [[], *_commands()]
    assert ["screen", "import"] in commands and ["predict"] in commands
    code = ("import io\n"
            "from pqstats.cli import main\n"
            "sys.stdout = io.StringIO()\n"
            f"for argv in {commands!r}:\n"
            "    try:\n"
            "        main([*argv, '--help'])\n"
            "    except SystemExit as done:\n"
            "        assert done.code == 0, argv\n"
            "sys.stdout = sys.__stdout__\n")
    assert _loaded_after(code) == []


def test_pqstats_help_in_a_subprocess_lists_every_command():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "pqstats.cli", "--help"], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in ("fetch", "benchmark", "predict", "screen", "learning-curve", "summer", "kg"):
        assert f"\n    {name} " in done.stdout


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_lazy_names_are_the_objects_their_modules_define(package):
    module = importlib.import_module(package)
    assert set(module.__all__) <= set(dir(module))
    for name in module.__all__:
        value = getattr(module, name)
        assert value is getattr(module, name)  # stored on first use
        assert not isinstance(value, type(module)) or value.__name__ == f"pqstats.{name}"
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018


def test_flat_api_equals_the_defining_modules():
    import pqstats
    from pqstats.evaluation import auc_per_gene
    from pqstats.screens.registry import get_screen
    from pqstats.screens.tables import TASKS

    assert pqstats.auc_per_gene is auc_per_gene
    assert pqstats.get_screen is get_screen
    assert pqstats.TASKS is TASKS == ("de", "dir")
    assert pqstats.models is importlib.import_module("pqstats.models")


def test_only_the_cli_package_imports_argparse():
    offenders = []
    for path in sorted((REPO / "pqstats").rglob("*.py")):
        if "cli" in path.relative_to(REPO / "pqstats").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "argparse" for n in names):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
