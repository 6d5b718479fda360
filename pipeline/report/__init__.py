"""The HTML report: `build_report()` rebuilds it from `$PIPELINE_HOME` without any LLM call."""

from pipeline.report.builder import render, write_report
from pipeline.report.data import build_report, default_report_path, load_inputs
from pipeline.report.view import ReportInputs

__all__ = ["ReportInputs", "build_report", "default_report_path", "load_inputs", "render",
           "write_report"]
