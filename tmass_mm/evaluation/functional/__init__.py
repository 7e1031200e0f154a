"""Pure functions on similarity matrices: ranks, metrics, re-scoring."""
from .postprocess import dual_softmax, querybank_normalise
from .ranking import rank_metrics, text_to_video_ranks, video_to_text_ranks

__all__ = [
    'text_to_video_ranks', 'video_to_text_ranks', 'rank_metrics',
    'dual_softmax', 'querybank_normalise'
]
