"""Scoring, metrics and radii from cached embeddings (no video decoding).

EMBEDDINGS files are those of ``tools/test.py --dump-embeddings`` (format
and reader in :mod:`tmass_mm.evaluation.embedding_files`). Scores and
metrics come from the evaluation chain
(:class:`~tmass_mm.evaluation.RetrievalEvaluation`) that ``RetrievalMetric``
runs, so numbers from here equal ``tools/test.py``'s for the same settings.
``settings`` below are that chain's keyword arguments (``protocol``,
``post_process``, ``querybank``, ``post_kwargs``, ``seed``,
``videos_per_block``), e.g. from :func:`evaluator_settings`; left out, they
take the chain's defaults.
"""
from typing import Dict

import torch
from mmengine.config import DictAction
from torch import Tensor

from tmass_mm.evaluation import (RetrievalEvaluation, evaluator_settings,
                                 load_embeddings, load_querybank)

__all__ = [
    'add_model_loading_args', 'evaluate_embeddings', 'evaluator_settings',
    'load_embeddings', 'load_querybank', 'metrics_json', 'error_message',
    'query_radius', 'query_scores', 'score_embeddings'
]


def score_embeddings(model, embeds: dict, **settings) -> Tensor:
    """``[T, V]`` scores of every caption against every video, under the
    settings' protocol (``'official'``: each candidate video pooled on its
    FIRST ground-truth caption, with a logged warning)."""
    return RetrievalEvaluation(**settings).scores(model.score_all_pairs,
                                                  embeds['text_embeds'],
                                                  embeds['video_embeds'],
                                                  embeds['text_to_video'])


def evaluate_embeddings(model, embeds: dict, **settings):
    """Metrics of cached embeddings, as ``RetrievalMetric`` computes them.

    Args:
        model: a ``TMASSRetriever`` (its neck, radius and sampler score).
        embeds: from :func:`tmass_mm.evaluation.load_embeddings`.
        settings: of the chain; ``querybank`` may be a file or the
            ``[Q, D]`` features.

    Returns:
        ``(metrics, sims)``: ``{'t2v': {R1, R5, R10, R50, MdR, MnR},
        'v2t': {...}}`` and the ``[T, V]`` scores before post-processing.
    """
    return RetrievalEvaluation(**settings).run(model.score_all_pairs, embeds)


def query_radius(model,
                 embeds: dict,
                 query: int,
                 video_chunk: int = 1024) -> Tensor:
    """``[V, D]`` radius ``R`` (not its log) of caption ``query`` against
    every video, from the model's sampler."""
    text = embeds['text_embeds']
    if not 0 <= query < len(text):
        raise IndexError(f'query {query} out of range: the file holds '
                         f'{len(text)} captions')
    device = next(model.parameters()).device
    text = text[query:query + 1].to(device)
    parts = []
    with torch.no_grad():
        for start in range(0, len(embeds['video_embeds']), video_chunk):
            video = embeds['video_embeds'][start:start + video_chunk]
            parts.append(
                model.head.sampler.radius(text,
                                          video.to(device))[:,
                                                            0].float().cpu())
    return torch.cat(parts)


def query_scores(model, embeds: dict, query: int, seed: int = 0) -> Tensor:
    """``[V]`` T-MASS scores (protocol ``tmass``) of caption ``query``.

    The caption is scored on its own, so its noise draws (indexed by the
    text's position among the scored texts) are not those of a run over all
    captions: scores can differ slightly from its row of ``--dump-sims``.
    """
    return RetrievalEvaluation(seed=seed).scores(
        model.score_all_pairs, embeds['text_embeds'][query:query + 1],
        embeds['video_embeds'])[0]


def metrics_json(metrics: Dict[str, Dict[str, float]]) -> dict:
    """``{'t2v': {...}, 'v2t': {...}}`` with plain floats, in that order."""
    return {
        direction: {
            k: float(v)
            for k, v in metrics[direction].items()
        }
        for direction in ('t2v', 'v2t')
    }


def error_message(err: Exception) -> str:
    """The sentence a tool prints for ``err``: its message, without the
    quotes ``str(KeyError)`` adds or a bare errno."""
    if len(err.args) == 1 and isinstance(err.args[0], str):
        return err.args[0]
    return str(err)


def add_model_loading_args(parser) -> None:
    """``--device``, ``--cfg-options`` and ``--allow-partial``: how the
    analysis tools build the model and load its neck and head."""
    parser.add_argument(
        '--device',
        default=None,
        help='cpu or cuda (default: cuda if available)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='load a checkpoint lacking neck/head weights (they stay '
        'random) with a warning instead of refusing it')
