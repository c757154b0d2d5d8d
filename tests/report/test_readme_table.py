"""The README stays short, and its results table is the one the report writes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pqstats.benchmark import PAPER_TABLE
from pqstats.report.readme import END, START, refresh_readme, results_table, update_readme

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_CHARS = 10_000


def _rows(table: str) -> dict[tuple[str, str], list[str]]:
    """``(screen label, task) -> cells`` of a generated table."""
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[(cells[0], cells[1])] = cells[2:]
    return rows


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["dataset", "task", "track", "model", "auroc"])


def test_readme_is_short():
    assert len(README.read_text(encoding="utf-8")) <= MAX_CHARS


def test_readme_table_is_generated():
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    block = text.split(START)[1].split(END)[0].strip("\n")
    assert block == results_table(pd.read_csv(ROOT / "results" / "benchmark.csv"))


def test_best_model_per_track_and_missing_cells():
    results = _frame([
        ("k562", "de", "strict", "logistic", 0.70),
        ("k562", "de", "strict", "xgboost", 0.74),
        ("k562", "de", "transfer", "logistic", 0.77),
        ("k562", "de", "transfer", "xgboost", 0.75),
        ("k562", "dir", "strict", "xgboost", np.nan),  # unavailable: ignored
        ("k562", "dir", "strict", "logistic", 0.81),
    ])
    rows = _rows(results_table(results))
    summer, retrieval, strict, transfer, zero_shot = rows[("K562", "DE")]
    assert strict == "0.740 `xgboost`"
    assert transfer == "0.770 `logistic`"
    assert zero_shot == "–"
    assert summer == f"{PAPER_TABLE[('Summer (LLM)', 'de')]['k562']:.2f}"
    assert retrieval == f"{PAPER_TABLE[('Retrieval (No LLM)', 'de')]['k562']:.2f}"
    assert rows[("K562", "Dir")][2] == "0.810 `logistic`"
    # a screen with no result at all keeps its paper values and dashes for pqstats
    assert rows[("RPE1", "DE")][2:] == ["–", "–", "–"]
    assert rows[("RPE1", "DE")][0] == f"{PAPER_TABLE[('Summer (LLM)', 'de')]['rpe1']:.2f}"


def test_jurkat_row_appears_when_present():
    absent = _rows(results_table(_frame([("k562", "de", "strict", "xgboost", 0.74)])))
    assert absent[("Jurkat", "DE")][2:] == ["–", "–", "–"]
    present = _rows(results_table(_frame([("jurkat", "de", "strict", "xgboost", 0.7312)])))
    assert present[("Jurkat", "DE")][2] == "0.731 `xgboost`"


def test_other_screens_follow_the_paper_screens():
    table = results_table(_frame([("my_lab_screen", "dir", "strict", "logistic", 0.8)]))
    rows = list(_rows(table))
    assert rows[-2:] == [("my_lab_screen", "DE"), ("my_lab_screen", "Dir")]
    assert _rows(table)[("my_lab_screen", "Dir")] == ["–", "–", "0.800 `logistic`", "–", "–"]


def test_ties_are_broken_by_model_name():
    results = _frame([("k562", "de", "strict", "xgboost", 0.74),
                      ("k562", "de", "strict", "ensemble", 0.74)])
    assert _rows(results_table(results))[("K562", "DE")][2] == "0.740 `ensemble`"


def test_update_readme_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{START}\nold table\n{END}\n\nrest\n", encoding="utf-8")
    results = _frame([("k562", "de", "strict", "xgboost", 0.74)])
    assert update_readme(readme, results) is True
    text = readme.read_text(encoding="utf-8")
    assert text == f"# title\n\n{START}\n{results_table(results)}\n{END}\n\nrest\n"
    assert update_readme(readme, results) is False  # unchanged: not rewritten
    assert list(tmp_path.iterdir()) == [readme]  # no temporary file left behind


def test_refresh_readme_touches_only_a_marked_readme(tmp_path):
    results = _frame([("k562", "de", "strict", "xgboost", 0.74)])
    (tmp_path / "results").mkdir()
    readme = tmp_path / "README.md"
    readme.write_text("# someone else's README\n", encoding="utf-8")
    assert refresh_readme(tmp_path / "results", results) is None
    assert readme.read_text(encoding="utf-8") == "# someone else's README\n"
    readme.write_text(f"{START}\n{END}\n", encoding="utf-8")
    assert refresh_readme(tmp_path / "results", results) == readme.resolve()


@pytest.mark.parametrize("text, match", [
    ("no markers here\n", "must hold one"),
    (f"{END}\n{START}\n", "must hold one"),
    (f"{START}\n{END}\n{START}\n{END}\n", "must hold one"),
])
def test_update_readme_refuses_a_readme_without_one_block(tmp_path, text, match):
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        update_readme(readme, _frame([("k562", "de", "strict", "xgboost", 0.74)]))
    assert readme.read_text(encoding="utf-8") == text


def test_results_table_names_a_missing_column():
    with pytest.raises(ValueError, match="lacks the column"):
        results_table(pd.DataFrame({"dataset": ["k562"], "task": ["de"]}))


def test_readme_links_point_at_files_of_the_repository():
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links into the docs"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
