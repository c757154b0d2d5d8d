"""Command-line option types: empty selections and numbers out of range, one error line."""

from __future__ import annotations

import re

import pytest

from pqstats import cli
from pqstats.cli import main
from tests._helpers import error_lines


# -------------------------------------------------- a run on nothing overwrites nothing
@pytest.mark.parametrize(("argv", "message"), [
    (["benchmark", "--datasets", ""], r"argument --datasets: empty list ''"),
    (["benchmark", "--models", ""], r"argument --models: empty list"),
    (["benchmark", "--track", " "], r"argument --track: empty list"),
    (["benchmark", "--tasks", ","], r"argument --tasks: empty list"),
    (["benchmark", "--datasets", "k562,,rpe1"], r"'k562,,rpe1' has an empty element"),
    (["benchmark", "--datasets", "k562,"], r"has an empty element"),
    (["enrich", "x.txt", "--libraries", ""], r"argument --libraries: empty list"),
    (["gse", "--methods", ""], r"argument --methods: empty list"),
    (["summer", "run", "--tasks", ""], r"argument --tasks: empty list"),
    (["kg", "build", "--sources", "go,,ppi"], r"argument --sources: 'go,,ppi' has an empty"),
])
def test_cli_refuses_empty_selections(tmp_path, capsys, argv, message):
    sentinel = tmp_path / "benchmark.csv"
    sentinel.write_text("kept")
    assert main([*argv, *(["--out", str(tmp_path)] if argv[0] == "benchmark" else [])]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert sentinel.read_text() == "kept"



# ======================================================================= numbers
_NUMBER_CASES = [
    (["benchmark", "--n-boot", "-5"], "--n-boot", "must be at least 1, got -5"),
    (["benchmark", "--n-boot", "0"], "--n-boot", "must be at least 1, got 0"),
    (["score", "p.csv", "--dataset", "k562", "--task", "de", "--n-boot", "-1"], "--n-boot",
     "at least 1"),
    (["enrich", "g.txt", "--top", "0"], "--top", "must be at least 1, got 0"),
    (["enrich", "g.txt", "--top", "2.5"], "--top", "expected a whole number, got '2.5'"),
    (["enrich", "g.txt", "--min-size", "0"], "--min-size", "at least 1"),
    (["enrich", "g.txt", "--max-size", "-10"], "--max-size", "at least 1"),
    (["gse", "--top", "-1"], "--top", "at least 1"),
    (["cv", "--dataset", "k562", "--task", "de", "--model", "prior", "--folds", "1"],
     "--folds", "must be at least 2, got 1"),
    (["cv", "--dataset", "k562", "--task", "de", "--model", "prior", "--n-jobs", "0"],
     "--n-jobs", "at least 1"),
    (["cv", "--dataset", "k562", "--task", "de", "--model", "prior", "--seed", "-1"],
     "--seed", "must be at least 0"),
    (["predict", "--cell-line", "k562", "--pert", "MYC", "--top", "0"], "--top", "at least 1"),
    (["predict", "--cell-line", "k562", "--pert", "MYC", "--n-themes", "-2"], "--n-themes",
     "at least 1"),
    (["explain", "--cell-line", "k562", "--pert", "MYC", "--gene", "MYC", "--neighbours",
      "0"], "--neighbours", "at least 1"),
    (["explain", "--cell-line", "k562", "--pert", "MYC", "--gene", "MYC", "--paths", "-1"],
     "--paths", "at least 1"),
    (["prioritise", "--cell-line", "k562", "--candidates", "c.txt", "--budget", "0"],
     "--budget", "must be at least 1, got 0"),
    (["prioritise", "--cell-line", "k562", "--candidates", "c.txt", "--budget", "-3"],
     "--budget", "got -3"),
    (["kg", "stats", "--max-degree", "-1"], "--max-degree", "must be at least 0"),
    (["kg", "build", "--min-term-size", "0"], "--min-term-size", "at least 1"),
    (["summer", "run", "--samples", "0"], "--samples", "at least 1"),
    (["summer", "run", "--n-pairs", "1"], "--n-pairs", "must be at least 2, got 1"),
    (["summer", "run", "--examples", "-1"], "--examples", "must be at least 0"),
    (["summer", "run", "--temperature", "-0.5"], "--temperature", "at least 0"),
    (["summer", "run", "--temperature", "nan"], "--temperature", "finite"),
    (["summer", "run", "--timeout", "0"], "--timeout", "greater than 0"),
    (["summer", "run", "--n-boot", "-1"], "--n-boot", "at least 1"),
    (["summer", "prompt", "MYC", "MYC", "--examples", "-2"], "--examples", "at least 0"),
]


@pytest.mark.parametrize(("argv", "option", "message"), _NUMBER_CASES,
                         ids=[" ".join(c[0][:1] + c[0][-2:]) for c in _NUMBER_CASES])
def test_cli_refuses_numbers_out_of_range(capsys, argv, option, message):
    assert cli.main(argv) == 2
    err = error_lines(capsys)
    prog = "pqstats " + " ".join(argv[:2] if argv[0] in ("kg", "summer") else argv[:1])
    assert err[0].startswith(f"{prog}: error: argument {option}: ")
    assert message in err[0]
    assert len(err) == 2 and err[1] == f"hint: `{prog} -h` lists the options and their ranges"
