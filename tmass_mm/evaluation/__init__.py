"""Retrieval evaluation: the one chain from embeddings to metrics.

- :mod:`.retrieval_evaluation`: ``RetrievalEvaluation``, the chain
  (protocol → scores → post-processing → metrics) and its defaults, used by
  the metric and by ``tmass_mm.apis``;
- :mod:`.retrieval_scores`: its steps (block-wise scoring, metrics from
  scores);
- :mod:`.embedding_files`: readers of the EMBEDDINGS and querybank files;
- :mod:`.metrics`: the MMEngine metrics (``RetrievalMetric``,
  ``DumpRetrievalEmbeddings``);
- :mod:`.functional`: pure functions on similarity matrices.
"""
from .embedding_files import load_embeddings, load_querybank
from .metrics import (DumpRetrievalEmbeddings, RetrievalMetric,
                      gather_embeddings, with_embedding_dump)
from .retrieval_evaluation import RetrievalEvaluation, evaluator_settings
from .retrieval_scores import metrics_from_scores, score_in_video_blocks

__all__ = [
    'DumpRetrievalEmbeddings', 'RetrievalEvaluation', 'RetrievalMetric',
    'evaluator_settings', 'gather_embeddings', 'load_embeddings',
    'load_querybank', 'metrics_from_scores', 'score_in_video_blocks',
    'with_embedding_dump'
]
