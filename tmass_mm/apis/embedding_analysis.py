"""Scoring, metrics and radii from cached embeddings (no video decoding).

The EMBEDDINGS format is what ``RetrievalMetric(dump_embeddings=...)`` (and
so ``tools/test.py --dump-embeddings``) writes with ``torch.save``:
``text_embeds`` ``[T, D]``, ``video_embeds`` ``[V, F, D]`` (per-frame CLIP
features, unnormalised), ``text_to_video`` ``[T]``, optionally ``texts``
(list of str) and ``video_ids``.

Scores go through the same steps as the metric
(:func:`score_in_video_blocks`, :func:`metrics_from_scores`), so numbers
from here equal ``tools/test.py``'s for the same settings.
"""
import logging
from typing import Dict, Optional

import torch
from mmengine.logging import print_log
from torch import Tensor

from tmass_mm.evaluation.retrieval_metric import OFFICIAL_WARNING
from tmass_mm.evaluation.retrieval_scores import (POST_PROCESSES, PROTOCOLS,
                                                  check_choice,
                                                  first_caption_of_each_video,
                                                  metrics_from_scores,
                                                  score_in_video_blocks)

# What ``RetrievalMetric`` uses when the config says nothing.
EVALUATOR_DEFAULTS = dict(
    protocol='tmass',
    post_process='none',
    querybank=None,
    post_kwargs={},
    seed=0)


def _retrieval_metric_cfgs(evaluator) -> list:
    """The ``RetrievalMetric`` configs in an evaluator config (a dict, a
    list of dicts, or ``dict(type='Evaluator', metrics=...)``)."""
    if evaluator is None:
        return []
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        return _retrieval_metric_cfgs(evaluator['metrics'])
    if isinstance(evaluator, dict):
        evaluator = [evaluator]
    return [
        m for m in evaluator
        if str(m.get('type', '')).split('.')[-1] == 'RetrievalMetric'
    ]


def evaluator_settings(cfg) -> dict:
    """``protocol``, ``post_process``, ``querybank``, ``post_kwargs`` and
    ``seed`` of the config's ``test_evaluator`` (else ``val_evaluator``),
    defaults filled in."""
    settings = dict(EVALUATOR_DEFAULTS, post_kwargs={})
    for key in ('test_evaluator', 'val_evaluator'):
        metrics = _retrieval_metric_cfgs(cfg.get(key))
        if metrics:
            settings.update({
                k: metrics[0][k]
                for k in settings if metrics[0].get(k) is not None
            })
            break
    settings['post_kwargs'] = dict(settings['post_kwargs'])
    return settings


def load_embeddings(path: str) -> dict:
    """Read and check an EMBEDDINGS file (``weights_only=True``)."""
    embeds = torch.load(path, map_location='cpu', weights_only=True)
    missing = [
        k for k in ('text_embeds', 'video_embeds', 'text_to_video')
        if k not in embeds
    ]
    if missing:
        raise KeyError(f'{path} lacks {missing}; expected text_embeds '
                       f'[T, D], video_embeds [V, F, D], text_to_video [T]')
    text, video = embeds['text_embeds'], embeds['video_embeds']
    text_to_video = embeds['text_to_video'].long()
    if text.dim() != 2 or video.dim() != 3 or text.shape[1] != video.shape[2]:
        raise ValueError(f'{path}: text_embeds {tuple(text.shape)} and '
                         f'video_embeds {tuple(video.shape)} must be [T, D] '
                         f'and [V, F, D]')
    if text_to_video.shape != (text.shape[0], ):
        raise ValueError(f'{path}: text_to_video has shape '
                         f'{tuple(text_to_video.shape)}, expected '
                         f'({text.shape[0]},)')
    if len(text_to_video) and (text_to_video.min() < 0
                               or text_to_video.max() >= video.shape[0]):
        raise ValueError(f'{path}: text_to_video must index the '
                         f'{video.shape[0]} videos')
    embeds = dict(embeds)
    embeds.update(
        text_embeds=text.float(),
        video_embeds=video.float(),
        text_to_video=text_to_video)
    return embeds


def load_querybank(path: str) -> Tensor:
    """``[Q, D]`` querybank text features from a ``torch.save`` file holding
    ``text_embeds`` (e.g. an EMBEDDINGS file of training captions)."""
    querybank = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(querybank, dict) or 'text_embeds' not in querybank:
        raise KeyError(f'querybank {path} must hold text_embeds [Q, D]')
    return querybank['text_embeds'].float()


def score_embeddings(model,
                     embeds: dict,
                     protocol: str = 'tmass',
                     seed: int = 0) -> Tensor:
    """``[T, V]`` scores of every caption against every video.

    With ``protocol='official'`` each candidate video is pooled on its
    FIRST ground-truth caption (the public code's scores; on one-caption
    sets exactly its numbers) and :data:`OFFICIAL_WARNING` is logged.
    """
    check_choice('protocol', protocol, PROTOCOLS)
    video = embeds['video_embeds']
    pool_text_index = None
    if protocol == 'official':
        print_log(OFFICIAL_WARNING, logger='current', level=logging.WARNING)
        pool_text_index = first_caption_of_each_video(embeds['text_to_video'],
                                                      len(video))
    with torch.no_grad():
        return score_in_video_blocks(model.score_all_pairs,
                                     embeds['text_embeds'], video,
                                     pool_text_index, seed)


def evaluate_embeddings(model,
                        embeds: dict,
                        protocol: str = 'tmass',
                        post_process: str = 'none',
                        seed: int = 0,
                        querybank: Optional[Tensor] = None,
                        post_kwargs: Optional[dict] = None):
    """Metrics of cached embeddings, as ``RetrievalMetric`` computes them.

    Args:
        model: a ``TMASSRetriever`` (its neck, radius and sampler score).
        embeds: from :func:`load_embeddings`.
        protocol: ``'tmass'`` or ``'official'`` (:func:`score_embeddings`).
        post_process: ``'none'``, ``'dsl'`` or ``'qbnorm'``.
        seed: seed of the scoring noise.
        querybank: ``[Q, D]`` text features, needed by ``'qbnorm'``.
        post_kwargs: arguments of the post-processing.

    Returns:
        ``(metrics, sims)``: ``{'t2v': {R1, R5, R10, R50, MdR, MnR},
        'v2t': {...}}`` and the ``[T, V]`` scores before post-processing.
    """
    check_choice('post_process', post_process, POST_PROCESSES)
    if post_process == 'qbnorm' and querybank is None:
        raise ValueError("post_process='qbnorm' needs a querybank (the "
                         "config evaluator's querybank or --querybank FILE)")
    sims = score_embeddings(model, embeds, protocol, seed)
    querybank_sims = None
    if post_process == 'qbnorm':
        with torch.no_grad():
            querybank_sims = score_in_video_blocks(model.score_all_pairs,
                                                   querybank,
                                                   embeds['video_embeds'],
                                                   None, seed)
    metrics = metrics_from_scores(sims, embeds['text_to_video'], post_process,
                                  querybank_sims, **(post_kwargs or {}))
    return metrics, sims


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
    with torch.no_grad():
        return score_in_video_blocks(model.score_all_pairs,
                                     embeds['text_embeds'][query:query + 1],
                                     embeds['video_embeds'], None, seed)[0]


def metrics_json(metrics: Dict[str, Dict[str, float]]) -> dict:
    """``{'t2v': {...}, 'v2t': {...}}`` with plain floats, in that order."""
    return {
        direction: {
            k: float(v)
            for k, v in metrics[direction].items()
        }
        for direction in ('t2v', 'v2t')
    }
