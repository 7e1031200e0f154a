from .retrieval_data_sample import RetrievalDataSample

__all__ = ['RetrievalDataSample']
