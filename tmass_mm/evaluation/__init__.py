from .retrieval_metric import RetrievalMetric, gather_embeddings
from .retrieval_scores import metrics_from_scores, score_in_video_blocks

__all__ = [
    'RetrievalMetric', 'gather_embeddings', 'metrics_from_scores',
    'score_in_video_blocks'
]
