"""Text-video retrieval metric over T-MASS scores of all pairs."""
import logging
from typing import Dict, List, Optional, Sequence

import torch
from mmengine import dist
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from tmass_mm.registry import METRICS
from tmass_mm.utils.choices import check_choice
from .retrieval_scores import (POST_PROCESSES, PROTOCOLS, Scorer,
                               first_caption_of_each_video,
                               metrics_from_scores, score_in_video_blocks)

OFFICIAL_WARNING = (
    "protocol='official' reproduces the public T-MASS evaluation: the score "
    "of a text against a video uses that video's pooled embedding "
    "conditioned on the video's own ground-truth caption (its first one on "
    "multi-caption sets). It reads test labels to build the candidates, so "
    "it is not a clean retrieval measurement; use protocol='tmass' for that.")


@METRICS.register_module()
class RetrievalMetric(BaseMetric):
    """R@1/5/10/50, MdR and MnR, text→video and video→text
    (docs/method.md §6–7).

    ``process`` keeps one result per video sample (its frame features, its
    captions' features and their global ids), so MMEngine can drop the
    distributed sampler's padding. ``evaluate`` then scores every caption
    against every video with the model's scorer, splitting the videos among
    ranks, and ranks against ground-truth ids.

    The scorer is the retriever's ``score_all_pairs``; the retrieval loops
    (``RetrievalValLoop``/``RetrievalTestLoop``) attach it before evaluation.

    Args:
        protocol (str): ``'tmass'`` (default; score(t, v) uses p(v | t)) or
            ``'official'`` (the public code's scores; logs a warning).
        post_process (str): ``'none'``, ``'dsl'`` or ``'qbnorm'``.
        querybank (str, optional): for ``'qbnorm'``: a ``torch.save`` file
            holding ``text_embeds`` ``[Q, D]`` of querybank captions (e.g.
            training captions).
        post_kwargs (dict, optional): arguments of the post-processing
            (``temperature`` for DSL; ``beta``, ``k`` for QB-Norm).
        seed (int): seed of the scoring noise (evaluation is repeatable and
            independent of the number of processes).
        videos_per_block (int): videos scored together; blocks are shared
            among ranks (the scores do not depend on it).
        dump_embeddings (str, optional): write ``text_embeds`` ``[T, D]``,
            ``video_embeds`` ``[V, F, D]``, ``text_to_video`` ``[T]``,
            ``texts`` and ``video_ids`` to this file (rank 0).
    """

    default_prefix = 'retrieval'

    def __init__(self,
                 protocol: str = 'tmass',
                 post_process: str = 'none',
                 querybank: Optional[str] = None,
                 post_kwargs: Optional[dict] = None,
                 seed: int = 0,
                 videos_per_block: int = 128,
                 dump_embeddings: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        check_choice('protocol', protocol, PROTOCOLS)
        check_choice('post_process', post_process, POST_PROCESSES)
        if post_process == 'qbnorm' and querybank is None:
            raise ValueError("post_process='qbnorm' needs a querybank file")
        self.protocol = protocol
        self.post_process = post_process
        self.querybank = querybank
        self.post_kwargs = post_kwargs or {}
        self.seed = seed
        self.videos_per_block = videos_per_block
        self.dump_embeddings = dump_embeddings
        self.scorer: Optional[Scorer] = None

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            self.results.append(
                dict(
                    video_index=sample['video_index'],
                    video_id=sample['video_id'],
                    text_indices=list(sample['text_indices']),
                    texts=list(sample['texts']),
                    video_embeds=sample['video_embeds'].detach().float().cpu(),
                    text_embeds=sample['text_embeds'].detach().float().cpu()))

    def evaluate(self, size: int) -> dict:
        """Gather the samples of all ranks on every rank, then score them
        together (the videos split among ranks) and rank."""
        if self.scorer is None:
            raise RuntimeError(
                'RetrievalMetric has no scorer: run it with '
                "val_cfg=dict(type='RetrievalValLoop') / "
                "test_cfg=dict(type='RetrievalTestLoop'), or set "
                '`metric.scorer = model.score_all_pairs`')
        results = dist.collect_results(self.results, size, self.collect_device)
        shared = [results]
        dist.broadcast_object_list(shared)  # in place, from rank 0
        results = shared[0]
        self.results.clear()
        metrics = self.compute_metrics(results)
        return {
            f'{self.prefix}/{name}': value
            for name, value in metrics.items()
        }

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'t2v/R1': ..., 'v2t/MnR': ...}`` from all samples' results."""
        if not results:
            raise ValueError('RetrievalMetric received no samples: the '
                             'evaluation set is empty')
        embeds = gather_embeddings(results)
        if self.dump_embeddings and dist.is_main_process():
            torch.save(embeds, self.dump_embeddings)
            print_log(
                f'embeddings written to {self.dump_embeddings}',
                logger='current')
        text_to_video = embeds['text_to_video']
        pool_text_index = None
        if self.protocol == 'official':
            print_log(
                OFFICIAL_WARNING, logger='current', level=logging.WARNING)
            pool_text_index = first_caption_of_each_video(
                text_to_video, len(embeds['video_embeds']))
        sims = score_in_video_blocks(self.scorer, embeds['text_embeds'],
                                     embeds['video_embeds'], pool_text_index,
                                     self.seed, self.videos_per_block)
        querybank_sims = None
        if self.post_process == 'qbnorm':
            querybank = torch.load(
                self.querybank, map_location='cpu',
                weights_only=True)['text_embeds']
            querybank_sims = score_in_video_blocks(self.scorer, querybank,
                                                   embeds['video_embeds'],
                                                   None, self.seed,
                                                   self.videos_per_block)
        metrics = metrics_from_scores(sims, text_to_video, self.post_process,
                                      querybank_sims, **self.post_kwargs)
        return {
            f'{direction}/{name}': value
            for direction, values in metrics.items()
            for name, value in values.items()
        }


def gather_embeddings(results: List[dict]) -> dict:
    """Order per-sample results into gallery tensors.

    Returns ``text_embeds`` ``[T, D]`` (by global caption id),
    ``video_embeds`` ``[V, F, D]`` (by video index), ``text_to_video``
    ``[T]``, ``texts`` and ``video_ids``. Ids must run 0..T-1 and 0..V-1
    without gaps or repeats.
    """
    results = sorted(results, key=lambda r: r['video_index'])
    video_index = [r['video_index'] for r in results]
    if video_index != list(range(len(results))):
        raise ValueError(f'video indices must be 0..{len(results) - 1} '
                         f'exactly once each; got {video_index[:10]}...')
    text_ids = torch.tensor([i for r in results for i in r['text_indices']])
    order = torch.argsort(text_ids)
    if not torch.equal(text_ids[order], torch.arange(len(text_ids))):
        raise ValueError('caption indices must be 0..T-1 exactly once each')
    text_to_video = torch.tensor(
        [r['video_index'] for r in results for _ in r['text_indices']])
    texts = [t for r in results for t in r['texts']]
    return dict(
        text_embeds=torch.cat([r['text_embeds'] for r in results])[order],
        video_embeds=torch.stack([r['video_embeds'] for r in results]),
        text_to_video=text_to_video[order],
        texts=[texts[i] for i in order.tolist()],
        video_ids=[r['video_id'] for r in results])
