"""Start-up time: ``pqstats --help`` and ``import pqstats``, against a baseline revision.

Each command runs ``--runs`` times in a fresh interpreter (``python -m pqstats.cli --help``
is what the ``pqstats`` script runs; ``python -c "import pqstats"``), and the same commands
run on the code of a baseline revision, exported with ``git archive`` into a temporary
folder, in the same loop (current and baseline alternate, so a busy machine slows both
alike). The bare interpreter (``python -c pass``) is timed too: it is the floor of every
command. Best and median wall times, the median CPU time (user + system), the ratio
current / baseline, and the targets of the fast start (``pqstats --help`` <= 0.3 s,
``import pqstats`` <= 0.5 s) are written to ``results/bench_startup.json`` and ``.md``.

The baseline defaults to the last revision before the lazy imports (environment variable
``BASELINE_REV`` or ``--baseline`` picks another; ``--baseline none`` skips it).

Run with `make bench` (or `python benchmarks/bench_startup.py [--runs N]`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pandas as pd

from pqstats._io import atomic_write_text, markdown_table

REPO = Path(__file__).resolve().parents[1]
#: The last revision before the lazy imports of issue 35 ("today's figure").
DEFAULT_BASELINE = "3bad50d"
#: Command → its arguments to the interpreter, and the target of its median wall time (s).
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "python (bare interpreter)": (["-c", "pass"], None),
    "import pqstats": (["-c", "import pqstats"], 0.5),
    "pqstats --help": (["-m", "pqstats.cli", "--help"], 0.3),
}


def export_revision(rev: str, folder: Path) -> str:
    """Write the ``pqstats`` package of ``rev`` into ``folder``; return the full hash."""
    full = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout.strip()
    archive = folder / "rev.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), full, "pqstats"],
                   cwd=REPO, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    archive.unlink()
    return full


def run_once(args: list[str], root: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh interpreter running ``args`` with
    ``root`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(roots: dict[str, Path], runs: int) -> pd.DataFrame:
    """Best and median wall time (and median CPU time) of every command on every code
    version, interleaved."""
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for args, _ in COMMANDS.values():  # warm the file cache once, untimed
        for root in roots.values():
            run_once(args, root)
    for _ in range(runs):
        for command, (args, _) in COMMANDS.items():
            for version, root in roots.items():
                times.setdefault((command, version), []).append(run_once(args, root))
    rows = [{"command": command, "version": version, "runs": len(t),
             "best_s": round(min(w for w, _ in t), 3),
             "median_s": round(statistics.median(w for w, _ in t), 3),
             "cpu_median_s": round(statistics.median(c for _, c in t), 3)}
            for (command, version), t in times.items()]
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """One row per command: current and baseline times, their ratio, and the target."""
    rows = []
    for command, (_, target) in COMMANDS.items():
        cur = table[(table.command == command) & (table.version == "current")].iloc[0]
        row = {"command": command, "median_s": cur.median_s, "best_s": cur.best_s,
               "cpu_median_s": cur.cpu_median_s}
        base = table[(table.command == command) & (table.version == "baseline")]
        if len(base):
            b = base.iloc[0]
            row.update({"baseline_median_s": b.median_s, "baseline_best_s": b.best_s,
                        "baseline_cpu_median_s": b.cpu_median_s,
                        "ratio_median": round(cur.median_s / b.median_s, 3),
                        "ratio_best": round(cur.best_s / b.best_s, 3)})
        row["target_s"] = "" if target is None else target
        row["meets_target"] = "" if target is None else bool(cur.median_s <= target)
        # CPU time: what the wall time would be on an idle machine, less waiting for disk
        row["cpu_meets_target"] = "" if target is None else bool(cur.cpu_median_s <= target)
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--baseline", default=os.environ.get("BASELINE_REV", DEFAULT_BASELINE),
                        help="git revision to compare with ('none': no baseline)")
    parser.add_argument("--out", default=str(REPO / "results"), help="output folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pqstats-bench-startup-") as tmp:
        roots = {"current": REPO}
        baseline = None
        if args.baseline.lower() != "none":
            try:
                baseline = export_revision(args.baseline, Path(tmp))
                roots["baseline"] = Path(tmp)
            except (subprocess.CalledProcessError, FileNotFoundError) as err:
                print(f"no baseline: revision {args.baseline!r} is not available ({err})",
                      file=sys.stderr)
        table = measure(roots, args.runs)
    summary = summarise(table)
    record = {"python": sys.version.split()[0], "runs": args.runs, "baseline_rev": baseline,
              "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
              "summary": summary.to_dict("records"), "times": table.to_dict("records")}
    print(summary.to_string(index=False))
    out = Path(args.out)
    atomic_write_text(out / "bench_startup.json", json.dumps(record, indent=2) + "\n")
    against = (f"against revision `{baseline[:10]}` (the code before the lazy imports), timed "
               "in the same run, alternating with it" if baseline else "(no baseline)")
    atomic_write_text(out / "bench_startup.md",
                      "# Start-up time\n\n"
                      "Written by `benchmarks/bench_startup.py` (`make bench`): wall time of a "
                      f"fresh interpreter, best and median of {args.runs} runs, {against}. "
                      "The ratio is current / baseline (below 1: faster). The bare "
                      "interpreter is the floor of every command; on a machine shared with "
                      f"other jobs (load average {record['load_average'][0]} on "
                      f"{record['cpus']} cores here) wall times are upper bounds, and the "
                      "ratio and the CPU time (user + system of the child) are the figures "
                      "to compare.\n\n"
                      + markdown_table(summary) + "\n")


if __name__ == "__main__":
    main()
