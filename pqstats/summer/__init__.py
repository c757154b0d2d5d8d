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

from pqstats.summer.clients import (
    GenerationParams,
    HTTPClient,
    LlamaCppClient,
    LLMClient,
    LLMFaultWarning,
    LLMUnavailableError,
    ResponseCache,
)
from pqstats.summer.describe import GeneDescriber, describe_gene
from pqstats.summer.model import ModelUnavailableError, default_model_path, resolve_model
from pqstats.summer.prompts import (
    gse_prompt,
    pair_prompt,
    parse_answer,
    parse_description,
    score_answers,
)
from pqstats.summer.retrieve import ExampleRetriever
from pqstats.summer.run import (
    SummerConfig,
    SummerPredictor,
    run_summer,
    run_summer_gse,
    sample_test_pairs,
    write_summer,
)

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
