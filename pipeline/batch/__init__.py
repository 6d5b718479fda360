"""Provider batch APIs (OpenAI Batch, Anthropic Message Batches): half-price extraction and
summaries that survive interruptions. Submit with `submit_extract_batch` /
`submit_summarize_batch` (the `--batch` flag), then `collect` (`pipeline batch collect`)."""

from pipeline.batch.collect import CollectReport, collect, collect_job, refresh_all
from pipeline.batch.jobs import BatchItem, BatchJob, JobStore
from pipeline.batch.submit import submit_extract_batch, submit_summarize_batch
from pipeline.batch.vendor import BATCH_DISCOUNT, BatchUnsupported, backend_for

__all__ = ["BATCH_DISCOUNT", "BatchItem", "BatchJob", "BatchUnsupported", "CollectReport",
           "JobStore", "backend_for", "collect", "collect_job", "refresh_all",
           "submit_extract_batch", "submit_summarize_batch"]
