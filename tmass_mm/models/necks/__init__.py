"""Necks: text-conditioned pooling of frame features (X-Pool) and the
per-frame interface that lets a neck work with the fast scorer."""
from .framewise import FramewisePooler
from .xpool import XPoolNeck

__all__ = ['FramewisePooler', 'XPoolNeck']
