"""The T-MASS model: CLIP backbone, X-Pool neck, stochastic text sampler,
head (losses and scores), retriever and data preprocessor."""
from .backbones import *  # noqa: F401,F403
from .data_preprocessor import RetrievalDataPreprocessor
from .heads import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .retriever import TMASSRetriever
from .samplers import *  # noqa: F401,F403

__all__ = ['RetrievalDataPreprocessor', 'TMASSRetriever']
