"""Extraction evals against hand-labeled gold: load, match, score, gate, render.

`run_eval(settings)` returns the report dict (the `pipeline eval --json` contract);
`check_gate` adds the verdict; `outputs` renders Markdown, JUnit XML and explanations.
"""

from pipeline.evaluate.gate import BaselineError, check_gate, load_baseline, save_baseline
from pipeline.evaluate.gold import FIELDS, GoldArticle, GoldError, GoldItem, load_gold
from pipeline.evaluate.match import Scorer, Thresholds
from pipeline.evaluate.metrics import prf
from pipeline.evaluate.runner import EvalError, run_eval
from pipeline.evaluate.settings import EvalConfigError, EvalSettings, load_settings_file, with_overrides

__all__ = ["BaselineError", "EvalConfigError", "EvalError", "EvalSettings", "FIELDS", "GoldArticle",
           "GoldError", "GoldItem", "Scorer", "Thresholds", "check_gate", "load_baseline", "load_gold",
           "load_settings_file", "prf", "run_eval", "save_baseline", "with_overrides"]
