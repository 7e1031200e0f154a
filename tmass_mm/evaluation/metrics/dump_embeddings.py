"""A metric that only writes the gallery's features to a file."""
from typing import Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from tmass_mm.registry import METRICS
from .gallery_samples import gather_embeddings, sample_record


@METRICS.register_module()
class DumpRetrievalEmbeddings(BaseMetric):
    """Write the EMBEDDINGS file of the evaluated gallery (as MMEngine's
    ``DumpResults`` writes predictions); reports no metric.

    The file, written by rank 0 with ``torch.save``, holds
    ``text_embeds`` ``[T, D]``, ``video_embeds`` ``[V, F, D]``,
    ``text_to_video`` ``[T]``, ``texts`` and ``video_ids`` (see
    :mod:`tmass_mm.evaluation.embedding_files`), the input of
    ``tools/analysis_tools/eval_embeddings.py``. ``tools/test.py
    --dump-embeddings FILE`` adds this metric to the test evaluator.

    Args:
        out_file_path (str): the file to write.
    """

    def __init__(self,
                 out_file_path: str,
                 collect_device: str = 'cpu',
                 prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file_path = str(out_file_path)

    def process(self, data_batch, data_samples: Sequence) -> None:
        self.results.extend(sample_record(s) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        """Write the file (called on rank 0 only); no metrics."""
        torch.save(gather_embeddings(results), self.out_file_path)
        print_log(
            f'embeddings written to {self.out_file_path}', logger='current')
        return {}


def with_embedding_dump(evaluator, out_file_path: str):
    """The evaluator config ``evaluator`` (a metric dict, a list of them or
    ``dict(metrics=...)``) with a :class:`DumpRetrievalEmbeddings` writing
    ``out_file_path`` appended to its metrics."""
    dump = dict(
        type='tmass_mm.DumpRetrievalEmbeddings', out_file_path=out_file_path)
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        return dict(
            evaluator,
            metrics=with_embedding_dump(evaluator['metrics'], out_file_path))
    metrics = [evaluator] if isinstance(evaluator, dict) else list(evaluator)
    return metrics + [dump]
