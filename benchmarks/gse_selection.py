"""GSE: choose the description rule on synthetic clusters, without the 77 PerturbQA labels.

Clusters are drawn from WikiPathways 2023 (members, dropped members and noise genes, sizes
like the real clusters'); every candidate rule describes them from the other libraries and
is scored against the pathway's name (pqstats.enrichment.select_rule). Seeded; a few
minutes on 2 cores. Writes results/gse_selection.csv, gse_selection_clusters.csv and
gse_selection.md. Run: ``make gse-select``
(or ``.venv/bin/python benchmarks/gse_selection.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if "PQSTATS_MIRROR" not in os.environ and (REPO.parent / "shared" / "perturbqa").is_dir():
    os.environ["PQSTATS_MIRROR"] = str(REPO.parent / "shared")

from pqstats.cli._types import positive_int  # noqa: E402
from pqstats.enrichment import (  # noqa: E402
    PQSTATS_LIBRARIES,
    SELECTION_LIBRARY,
    k562_background,
    load_libraries,
    select_rule,
    write_selection,
)
from pqstats.knowledge.genesets import allowed_libraries  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clusters", type=positive_int, default=400,
                        help="synthetic clusters (default 400)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--no-semantic", action="store_true",
                        help="skip the MiniLM cosine (not used for the choice)")
    parser.add_argument("--out", default=str(REPO / "results"), help="output folder")
    args = parser.parse_args(argv)
    background = k562_background()
    names = allowed_libraries([*PQSTATS_LIBRARIES, SELECTION_LIBRARY])
    libraries = load_libraries(list(dict.fromkeys(names)), background)
    table, chosen, per_cluster = select_rule(libraries, background,
                                             n_clusters=args.n_clusters, seed=args.seed,
                                             semantic=not args.no_semantic)
    command = "python benchmarks/gse_selection.py" + (
        f" --n-clusters {args.n_clusters}" if args.n_clusters != 400 else "") + (
        f" --seed {args.seed}" if args.seed else "") + (
        " --no-semantic" if args.no_semantic else "")
    paths = write_selection(table, chosen, per_cluster, args.out, seed=args.seed,
                            command=command)
    cols = [c for c in table.columns if c not in ("method", "top", "library")]
    print(table[cols].to_string(index=False, float_format="%.3f"))
    print(f"chosen: {chosen.name}")
    print("wrote " + ", ".join(map(str, paths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
