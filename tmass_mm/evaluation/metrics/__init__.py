"""MMEngine metrics of text-video retrieval: ``RetrievalMetric`` (the
evaluation chain over the whole gallery) and ``DumpRetrievalEmbeddings``
(writes the gallery's features for the cached-embedding tools)."""
from .dump_embeddings import DumpRetrievalEmbeddings, with_embedding_dump
from .gallery_samples import gather_embeddings
from .retrieval_metric import RetrievalMetric

__all__ = [
    'DumpRetrievalEmbeddings', 'RetrievalMetric', 'gather_embeddings',
    'with_embedding_dump'
]
