"""The one evaluation chain: protocol → scores → post-processing → metrics.

:class:`RetrievalEvaluation` holds the settings, with the project's only
defaults, and runs the chain for ``RetrievalMetric`` (``tools/test.py`` and
validation) and for the cached-embedding tools (``tmass_mm.apis``), so both
give the same numbers for the same settings. :func:`evaluator_settings`
reads those settings from a config's evaluator.
"""
import dataclasses
import logging
from typing import Dict, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import Tensor

from tmass_mm.utils.choices import check_choice
from .embedding_files import load_querybank
from .retrieval_scores import (POST_PROCESSES, PROTOCOLS, Scorer,
                               first_caption_of_each_video,
                               metrics_from_scores, score_in_video_blocks)

OFFICIAL_WARNING = (
    "protocol='official' reproduces the public T-MASS evaluation: the score "
    "of a text against a video uses that video's pooled embedding "
    "conditioned on the video's own ground-truth caption (its first one on "
    "multi-caption sets). It reads test labels to build the candidates, so "
    "it is not a clean retrieval measurement; use protocol='tmass' for that.")

QUERYBANK_MISSING = (
    "post_process='qbnorm' needs a querybank: a torch.save file with "
    'text_embeds [Q, D] of captions outside the test set (RetrievalMetric '
    'querybank=FILE in the config, or eval_embeddings.py --querybank FILE)')

Metrics = Dict[str, Dict[str, float]]


@dataclasses.dataclass(frozen=True, eq=False)
class RetrievalEvaluation:
    """Settings and steps of a retrieval evaluation (docs/method.md §6–7).

    Args:
        protocol (str): ``'tmass'`` (score(t, v) uses p(v | t)) or
            ``'official'`` (each candidate video pooled on its first
            ground-truth caption, the public code's scores; logs
            :data:`OFFICIAL_WARNING`).
        post_process (str): ``'none'``, ``'dsl'`` or ``'qbnorm'``.
        querybank (str or Tensor, optional): for ``'qbnorm'``: a
            ``torch.save`` file holding ``text_embeds`` ``[Q, D]`` (read by
            :func:`load_querybank`), or those features themselves.
        post_kwargs (dict, optional): arguments of the post-processing
            (``temperature`` for DSL; ``beta``, ``k`` for QB-Norm).
        seed (int): seed of the scoring noise.
        videos_per_block (int): videos scored together; blocks are shared
            among ranks (the scores do not depend on it).
    """

    protocol: str = 'tmass'
    post_process: str = 'none'
    querybank: Union[str, Tensor, None] = None
    post_kwargs: Optional[dict] = None
    seed: int = 0
    videos_per_block: int = 128

    def __post_init__(self):
        check_choice('protocol', self.protocol, PROTOCOLS)
        check_choice('post_process', self.post_process, POST_PROCESSES)
        if self.post_process == 'qbnorm' and self.querybank is None:
            raise ValueError(QUERYBANK_MISSING)
        if self.videos_per_block < 1:
            raise ValueError(f'videos_per_block must be >= 1, got '
                             f'{self.videos_per_block}')
        object.__setattr__(self, 'post_kwargs', dict(self.post_kwargs or {}))

    def run(self, scorer: Scorer, embeds: dict) -> Tuple[Metrics, Tensor]:
        """The whole chain on a gallery.

        Args:
            scorer: the model's all-pairs scoring (``score_all_pairs``).
            embeds: ``text_embeds`` ``[T, D]``, ``video_embeds``
                ``[V, F, D]``, ``text_to_video`` ``[T]`` (long).

        Returns:
            ``(metrics, sims)``: ``{'t2v': {R1, R5, R10, R50, MdR, MnR},
            'v2t': {...}}`` and the ``[T, V]`` scores before
            post-processing.
        """
        video, text_to_video = embeds['video_embeds'], embeds['text_to_video']
        if len(video) < 2:
            raise ValueError(
                f'retrieval needs a gallery of at least 2 videos, got '
                f'{len(video)}: with one video every caption finds it first '
                f'(R@1 = 100). Check the evaluation annotation file.')
        sims = self.scores(scorer, embeds['text_embeds'], video, text_to_video)
        metrics = metrics_from_scores(sims, text_to_video, self.post_process,
                                      self.querybank_scores(scorer, video),
                                      **self.post_kwargs)
        return metrics, sims

    def scores(self,
               scorer: Scorer,
               text: Tensor,
               video: Tensor,
               text_to_video: Optional[Tensor] = None) -> Tensor:
        """``[T, V]`` scores of text ``[T, D]`` against video ``[V, F, D]``
        under the protocol (``'official'`` needs ``text_to_video``)."""
        pool_text_index = None
        if self.protocol == 'official':
            if text_to_video is None:
                raise ValueError("protocol='official' pools each video on "
                                 'its first caption: it needs text_to_video')
            print_log(
                OFFICIAL_WARNING, logger='current', level=logging.WARNING)
            pool_text_index = first_caption_of_each_video(
                text_to_video, len(video))
        return self._score_blocks(scorer, text, video, pool_text_index)

    def querybank_scores(self, scorer: Scorer,
                         video: Tensor) -> Optional[Tensor]:
        """``[Q, V]`` querybank scores for ``'qbnorm'`` (else ``None``)."""
        if self.post_process != 'qbnorm':
            return None
        if isinstance(self.querybank, Tensor):
            querybank, source = self.querybank, 'the querybank'
        else:
            querybank = load_querybank(self.querybank)
            source = f'querybank file {self.querybank}'
        if querybank.dim() != 2 or querybank.shape[1] != video.shape[-1]:
            raise ValueError(
                f'{source}: text_embeds {tuple(querybank.shape)} must be '
                f'[Q, D] with the D of the video features '
                f'{tuple(video.shape)}')
        return self._score_blocks(scorer, querybank, video, None)

    def _score_blocks(self, scorer: Scorer, text: Tensor, video: Tensor,
                      pool_text_index: Optional[Tensor]) -> Tensor:
        with torch.no_grad():
            return score_in_video_blocks(scorer, text, video, pool_text_index,
                                         self.seed, self.videos_per_block)


SETTING_NAMES = tuple(f.name for f in dataclasses.fields(RetrievalEvaluation))


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
    """The :class:`RetrievalEvaluation` settings of the config's
    ``test_evaluator`` (else ``val_evaluator``) ``RetrievalMetric``, every
    setting it leaves out at the chain's default (not validated, so a
    caller may still override them)."""
    settings = dataclasses.asdict(RetrievalEvaluation())
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
