"""Stochastic text sampling: radius modules, the sampler that owns the
prior of ``eps``, and the counter-based draws used at inference."""
from .counter_noise import CounterNoise, stable_key
from .radius import SimilarityRadius, UnlearnableRadius, frame_similarity
from .stochastic_text import StochasticTextSampler

__all__ = [
    'CounterNoise', 'SimilarityRadius', 'UnlearnableRadius',
    'StochasticTextSampler', 'frame_similarity', 'stable_key'
]
