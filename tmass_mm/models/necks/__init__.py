"""Necks: text-conditioned pooling of frame features (X-Pool) and the
per-frame interface that lets a neck work with the fast scorer (and the
pairwise form the scorer uses for few texts)."""
from .framewise import FramewisePooler
from .pairwise import PairwisePooler
from .xpool import XPoolNeck

__all__ = ['FramewisePooler', 'PairwisePooler', 'XPoolNeck']
