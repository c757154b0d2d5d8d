"""The ``pqstats summer`` subcommands: run, prompt, model."""

from __future__ import annotations

import argparse
import json
import sys
import time

from pqstats.cli._types import (
    int_at_least,
    name_list,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)

__all__ = ["add_summer", "make_client"]

def make_client(args: argparse.Namespace):
    """The client the arguments ask for: ``--server URL`` (HTTP) or ``--model PATH``
    (in-process; default: pqstats' Gemma 3 270M)."""
    from pqstats.summer.clients import HTTPClient, LlamaCppClient, ResponseCache

    cache = False if args.no_cache else (ResponseCache(args.cache_dir) if args.cache_dir
                                         else True)
    if args.server:
        client = HTTPClient(args.server, model=args.model_name, endpoint=args.endpoint,
                            timeout=args.timeout, retries=args.retries,
                            concurrency=args.concurrency, cache=cache)
        client.check()  # a wrong URL stops here, with the URL and the fix
        return client
    client = LlamaCppClient(args.model, endpoint=args.endpoint, n_ctx=args.n_ctx,
                            n_threads=args.threads, cache=cache, model_name=args.model_name)
    client.load()
    return client


def _cmd_run(args: argparse.Namespace) -> int:
    from pqstats.screens import resolve_screen, table_path
    from pqstats.summer.run import SummerConfig, run_summer, run_summer_gse, write_summer

    args.dataset = resolve_screen(args.dataset)
    bad = [t for t in args.tasks if t not in ("de", "dir", "gse")]
    if bad:
        raise ValueError(f"unknown task {', '.join(bad)}; choose from de, dir, gse")
    for task in args.tasks:  # an unavailable screen stops before the model loads
        if task != "gse":
            table_path(args.dataset, task)
    config = SummerConfig(n_examples=args.examples, n_samples=args.samples,
                          reasoning_tokens=args.reasoning_tokens, temperature=args.temperature,
                          seed=args.seed, condense=args.condense)
    t0 = time.perf_counter()
    client = make_client(args)
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    say(f"model {client.model} via {client.describe()} ({client.endpoint}); "
        f"ready in {time.perf_counter() - t0:.1f} s")
    rows = []
    kg = None
    for task in [t for t in args.tasks if t != "gse"]:
        if kg is None:
            from pqstats.features.pairs import load_graph

            kg = load_graph()
        row, _ = run_summer(client, args.dataset, task, n_pairs=args.n_pairs, config=config,
                            kg=kg, sample_seed=args.sample_seed, n_boot=args.n_boot)
        rows.append(row)
        write_summer([row], None, args.out)  # a later failure keeps the finished rows
        say(f"{args.dataset} {task}: per-gene AUROC {row['auroc']:.3f} "
            f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}] over {row['n_genes']} genes, "
            f"pooled {row['pooled_auroc']:.3f}; abstained {row['abstention_rate']:.1%}; "
            f"{row['seconds']:.0f} s")
    gse = None
    if "gse" in args.tasks:
        _, gse = run_summer_gse(client, max_clusters=args.gse_clusters,
                                semantic=not args.no_semantic, seed=args.seed)
        last = gse[gse["kind"] == "all"].iloc[0]
        say(f"gse: ROUGE-1 recall {last['rouge1_recall']:.3f} over {last['n_clusters']} "
            f"clusters, {last['abstained']} empty descriptions")
    paths = write_summer(rows, gse, args.out)
    stats = client.stats
    faults = ", ".join(f"{k} {v}" for k, v in stats.items()
                       if k not in ("requests", "cache_hits", "answered", "faults") and v)
    say(f"requests {stats['requests']}, cache hits {stats['cache_hits']}, faults "
        f"{stats['faults']}{' (' + faults + ')' if faults else ''}; total "
        f"{time.perf_counter() - t0:.0f} s")
    if args.json:
        print(json.dumps({"rows": [{k: v for k, v in r.items()} for r in rows],
                          "gse": None if gse is None else gse.to_dict("records"),
                          "stats": dict(stats)}, default=str))
    else:
        say("wrote " + ", ".join(map(str, paths)))
    return 0


def _cmd_prompt(args: argparse.Namespace) -> int:
    import pandas as pd

    from pqstats.features.pairs import load_graph
    from pqstats.predict import resolve_perturbation, resolve_readout_genes
    from pqstats.screens import load_pairs, resolve_screen
    from pqstats.summer.run import SummerConfig, SummerPredictor

    args.dataset = resolve_screen(args.dataset)
    pairs = load_pairs(args.dataset, args.task)
    kg = load_graph()
    # the names resolve as in predict / explain: the screen's spelling, any case, aliases
    pert = resolve_perturbation(kg, args.pert, set(pairs["pert"]))
    gene = resolve_readout_genes(args.dataset, [args.gene], kg)[0]
    train = pairs[pairs["split"] == "train"]
    model = SummerPredictor(_NoClient(), args.dataset, args.task, kg=kg,
                            config=SummerConfig(n_examples=args.examples)).fit(train)
    prompt = model.prompts(pd.DataFrame({"pert": [pert], "gene": [gene]}))[0]
    if args.chat:
        print(json.dumps(prompt.messages(), indent=2))
    else:
        print(prompt.text())
    return 0


class _NoClient:
    """Stands in for a client where only prompts are built."""

    endpoint = "completions"
    model = "none"


def _cmd_model(args: argparse.Namespace) -> int:
    from pqstats.summer.model import default_model_path

    print(default_model_path())
    return 0


def _backend(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--model", default=None, metavar="PATH.gguf",
                       help="run this GGUF model in-process with llama-cpp-python "
                            "(default: Gemma 3 270M, assembled by `pqstats summer model`)")
    where.add_argument("--server", default=None, metavar="URL",
                       help="an OpenAI-compatible server instead, e.g. http://127.0.0.1:8080 "
                            "(llama.cpp, vLLM, ollama)")
    p.add_argument("--endpoint", choices=["completions", "chat"], default="completions",
                   help="text completions (base models; default) or chat messages "
                        "(instruction-tuned models)")
    p.add_argument("--model-name", default=None,
                   help="name for tables and the cache (default: from the file / server)")
    p.add_argument("--timeout", type=positive_float, default=120.0,
                   help="seconds per request (server)")
    p.add_argument("--retries", type=non_negative_int, default=2,
                   help="retries per request (server)")
    p.add_argument("--concurrency", type=positive_int, default=2,
                   help="requests in flight (server)")
    p.add_argument("--threads", type=positive_int, default=None, help="CPU threads (in-process)")
    p.add_argument("--n-ctx", type=positive_int, default=2048, help="context length (in-process)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--cache-dir", default=None,
                   help="reply cache folder (default: data/cache/llm)")


def add_summer(sub) -> None:
    """Add ``summer`` with its subcommands to an argparse subparsers object."""
    summer = sub.add_parser("summer", help="Summer: a local language model on the benchmark "
                                           "(needs pqstats[llm])")
    ssub = summer.add_subparsers(dest="summer_command", metavar="SUMMER_COMMAND", required=True)
    p = ssub.add_parser("run", help="score a test sample (DE, Dir) and the GSE clusters; "
                                    "write summer.csv and summer.md")
    p.add_argument("--dataset", default="k562", metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`; default k562)")
    p.add_argument("--tasks", type=name_list, default=["de", "dir", "gse"],
                   help="comma-separated from de, dir, gse (the K562 gene-set clusters, "
                        "whatever --dataset is; default: all three)")
    p.add_argument("--n-pairs", type=int_at_least(2), default=200,
                   help="test pairs per task: all test pairs of random scorable genes")
    p.add_argument("--sample-seed", type=non_negative_int, default=0,
                   help="seed of the gene sample")
    p.add_argument("--gse-clusters", type=positive_int, default=None,
                   help="first N labelled clusters of each kind (default: all 52 + 25)")
    p.add_argument("--samples", type=positive_int, default=3, help="answers sampled per pair")
    p.add_argument("--examples", type=non_negative_int, default=8,
                   help="retrieved training outcomes (0: none)")
    p.add_argument("--reasoning-tokens", type=positive_int, default=48,
                   help="token budget of the chain of thought")
    p.add_argument("--temperature", type=non_negative_float, default=0.7,
                   help="sampling temperature of the chain of thought (0: greedy)")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="sampling seed (sample i: seed + i)")
    p.add_argument("--condense", action="store_true",
                   help="let the model condense the gene descriptions first")
    p.add_argument("--no-semantic", action="store_true",
                   help="GSE: skip the MiniLM similarity (no 'text' extra needed)")
    p.add_argument("--n-boot", type=positive_int, default=1000,
                   help="bootstrap resamples over genes")
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    _backend(p)
    p.set_defaults(func=_cmd_run)
    p = ssub.add_parser("prompt", help="print the prompt of one pair (no model needed)")
    p.add_argument("pert", help="the knocked-down gene (symbol, alias or Ensembl id; any "
                                "case)")
    p.add_argument("gene", help="the measured gene: one the screen measured (a programme "
                                "for a screen that reads out programmes)")
    p.add_argument("--dataset", default="k562", metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`; default k562)")
    p.add_argument("--task", default="de", choices=["de", "dir"])
    p.add_argument("--examples", type=non_negative_int, default=8,
                   help="retrieved training outcomes (0: none)")
    p.add_argument("--chat", action="store_true", help="as chat messages (JSON)")
    p.set_defaults(func=_cmd_prompt)
    p = ssub.add_parser("model", help="assemble the default model into the data cache and "
                                      "print its path")
    p.set_defaults(func=_cmd_model)
