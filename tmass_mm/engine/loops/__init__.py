"""Retrieval val/test loops: they check the model against the pipeline
before decoding and hand the metric the model's all-pairs scorer."""
from .retrieval_loops import RetrievalTestLoop, RetrievalValLoop, attach_scorer

__all__ = ['RetrievalValLoop', 'RetrievalTestLoop', 'attach_scorer']
