from .radius import SimilarityRadius, UnlearnableRadius, frame_similarity
from .stochastic_text import StochasticTextSampler

__all__ = [
    'SimilarityRadius', 'UnlearnableRadius', 'StochasticTextSampler',
    'frame_similarity'
]
