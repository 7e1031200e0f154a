from .retrieval_metric import RetrievalMetric, gather_embeddings
from .retrieval_scores import retrieval_metrics, score_in_video_blocks

__all__ = [
    'RetrievalMetric', 'gather_embeddings', 'retrieval_metrics',
    'score_in_video_blocks'
]
