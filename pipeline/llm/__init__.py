"""Provider-agnostic LLM calls: `generate(model_string, messages, OutputType)`.

Run-wide options without threading arguments through every function:

    from pipeline.llm import generate, run_options, ledger_summary
    with run_options(max_cost=0.25, use_cache=True, fallbacks=["openai:gpt-4o-mini"]) as run:
        result = generate("local", messages, MyModel)
    print(run.usage, ledger_summary(run.id))
"""

from pipeline.llm.base import (AuthError, BudgetExceeded, Completion, LLMError, LLMResult, Message,
                               OutputValidationError, Provider, ProviderNotAvailable, RetryableError)
from pipeline.llm.client import estimate_cost, generate
from pipeline.llm.ledger import summary as ledger_summary
from pipeline.llm.options import Run, current_run, run_options, run_usage, settings_defaults
from pipeline.llm.profiles import ModelProfile
from pipeline.llm.registry import get_provider, parse_model_string, profile_for

__all__ = ["AuthError", "BudgetExceeded", "Completion", "LLMError", "LLMResult", "Message",
           "ModelProfile", "OutputValidationError", "Provider", "ProviderNotAvailable", "RetryableError", "Run",
           "current_run", "estimate_cost", "generate", "get_provider", "ledger_summary",
           "parse_model_string", "profile_for", "run_options", "run_usage", "settings_defaults"]
