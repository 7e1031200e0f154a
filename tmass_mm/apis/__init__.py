"""High-level entry points for tools: build a retriever from a config and a
checkpoint, analyse cached embeddings with it, and search a folder of videos
with sentences."""
from .embedding_analysis import (evaluate_embeddings, evaluator_settings,
                                 load_embeddings, load_querybank, query_radius,
                                 query_scores, score_embeddings)
from .model_loading import (EVERY_WEIGHT, SCORING_PARTS,
                            apply_scoring_overrides, build_retriever,
                            init_retriever, load_checkpoint_weights,
                            load_config, load_weights)
from .retrieval_inferencer import TextToVideoRetrievalInferencer

__all__ = [
    'EVERY_WEIGHT', 'SCORING_PARTS', 'load_checkpoint_weights',
    'apply_scoring_overrides', 'build_retriever', 'evaluate_embeddings',
    'evaluator_settings', 'init_retriever', 'load_config', 'load_embeddings',
    'load_querybank', 'load_weights', 'query_radius', 'query_scores',
    'score_embeddings', 'TextToVideoRetrievalInferencer'
]
