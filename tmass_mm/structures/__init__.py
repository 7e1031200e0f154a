"""Data structures: the data sample that carries one video (or caption)
through the pipeline, the model and the metric."""
from .retrieval_data_sample import RetrievalDataSample

__all__ = ['RetrievalDataSample']
