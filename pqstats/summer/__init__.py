"""Summer (SUMMarize, retrievE, answeR): the PerturbQA paper's LLM method, run locally.

An optional comparison (extra ``pqstats[llm]``): a language model on the user's own
machine answers the DE / Dir questions and describes the GSE clusters, with pqstats'
knowledge graph, retrieval and metrics, so its rows sit beside the classical ones.

* :mod:`~pqstats.summer.describe` — summarize: gene descriptions from the knowledge graph
* :mod:`~pqstats.summer.retrieve` — retrieve: training outcomes of related pairs (strict)
* :mod:`~pqstats.summer.prompts` — answer: chain-of-thought prompts and answer parsing
* :mod:`~pqstats.summer.clients` — OpenAI-compatible HTTP and in-process llama.cpp, cached
* :mod:`~pqstats.summer.model` — the default local model (Gemma 3 270M, assembled)
* :mod:`~pqstats.summer.run` — scoring, evaluation, ``summer.csv``
"""

from __future__ import annotations

from pqstats._lazy import lazy_exports

# each name is imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, {
    "pqstats.summer.clients": ("GenerationParams", "HTTPClient", "LlamaCppClient", "LLMClient",
        "LLMFaultWarning", "LLMUnavailableError", "ResponseCache",),
    "pqstats.summer.describe": ("GeneDescriber", "describe_gene",),
    "pqstats.summer.model": ("ModelUnavailableError", "default_model_path", "resolve_model",),
    "pqstats.summer.prompts": ("gse_prompt", "pair_prompt", "parse_answer",
        "parse_description", "score_answers",),
    "pqstats.summer.retrieve": ("ExampleRetriever",),
    "pqstats.summer.run": ("SummerConfig", "SummerPredictor", "run_summer", "run_summer_gse",
        "sample_test_pairs", "write_summer",),
})

__all__ = [
    "GenerationParams",
    "HTTPClient",
    "LlamaCppClient",
    "LLMClient",
    "LLMFaultWarning",
    "LLMUnavailableError",
    "ResponseCache",
    "GeneDescriber",
    "describe_gene",
    "ModelUnavailableError",
    "default_model_path",
    "resolve_model",
    "gse_prompt",
    "pair_prompt",
    "parse_answer",
    "parse_description",
    "score_answers",
    "ExampleRetriever",
    "SummerConfig",
    "SummerPredictor",
    "run_summer",
    "run_summer_gse",
    "sample_test_pairs",
    "write_summer",
]
