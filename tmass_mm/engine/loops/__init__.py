from .retrieval_loops import RetrievalTestLoop, RetrievalValLoop, attach_scorer

__all__ = ['RetrievalValLoop', 'RetrievalTestLoop', 'attach_scorer']
