"""Ranking an encoded gallery for sentences: text encoding, the optional
mean-frame shortlist (widened to the videos that might still enter the top
hits) and exact T-MASS scores keyed by stable identities."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from tmass_mm.models import stable_key
from .gallery_cache import GalleryFeatures
from .search_scoring import (cheap_scores, rows_that_may_enter, shortlist,
                             tmass_scores, top_hits)

#: videos scored exactly after the mean-frame shortlist (docs/search.md)
DEFAULT_SHORTLIST = 400
#: at most this many times ``shortlist`` videos are scored once widened
#: (docs/search.md "Measurements")
WIDEN_LIMIT = 4
Queries = Union[str, Sequence[str]]


class GalleryRanker:
    """Ranks :class:`GalleryFeatures` for sentences.

    Args:
        model: a ``TMASSRetriever`` (backbone text encoder, neck, head).
        tokenize: the test pipeline's ``TokenizeTexts``.
        features: the gallery.
        seed: the noise seed.
        shortlist: videos a query scores exactly in two-stage search (more
            when widened, see :meth:`_two_stage`).
        widen_limit: at most ``widen_limit * shortlist`` videos are scored
            once widened; 1 turns widening off.

    Attributes:
        last_scored: videos scored exactly for each query of the last call.
    """

    def __init__(self,
                 model,
                 tokenize,
                 features: GalleryFeatures,
                 seed: int,
                 shortlist: int = DEFAULT_SHORTLIST,
                 widen_limit: int = WIDEN_LIMIT):
        _check_shortlist(shortlist)
        self.model = model
        self.tokenize = tokenize
        self.features = features
        self.seed = seed
        self.shortlist = shortlist
        self.widen_limit = widen_limit
        self.video_keys = torch.tensor(
            [stable_key(video.key) for video in features.videos],
            dtype=torch.int64)
        self.last_scored: List[int] = []

    @torch.no_grad()
    def encode_text(self, queries: List[str]) -> Tensor:
        """``[Q, D]`` text features, tokenised as the test pipeline does."""
        tokens = self.tokenize(dict(texts=list(queries)))['text_tokens']
        device = next(self.model.parameters()).device
        return self.model.backbone.encode_text(tokens.to(device)).float()

    def __call__(self,
                 queries: Queries,
                 topk: int = 5,
                 exhaustive: bool = False,
                 shortlist: Optional[int] = None,
                 seed: Optional[int] = None) -> list:
        """Rank the gallery for each query.

        Args:
            queries: a sentence or a list of sentences.
            topk: hits per query.
            exhaustive: score every video exactly; otherwise only the
                ``shortlist`` videos closest to the query by mean frame
                feature (all of them when the gallery is not larger),
                widened when ``topk < shortlist`` (see :meth:`_two_stage`).
            shortlist: overrides the constructor's ``shortlist``.
            seed: overrides the constructor's noise seed.

        Returns:
            For one sentence its hits, for a list one list of hits per
            sentence; hits are ``{'video': path, 'score': float, 'rank':
            1..topk}`` (plus ``start``/``end`` for clips), best first.
        """
        texts = [queries] if isinstance(queries, str) else list(queries)
        _check_queries(texts, topk)
        size = self.shortlist if shortlist is None else shortlist
        _check_shortlist(size)
        seed = self.seed if seed is None else seed
        text = self.encode_text(texts)
        text_keys = torch.tensor([stable_key(query) for query in texts],
                                 dtype=torch.int64)
        num_videos = len(self.features.videos)
        if exhaustive or size >= num_videos:
            rows = torch.arange(num_videos)
            scores = tmass_scores(self.model, text, self.features.frames,
                                  text_keys, self.video_keys, seed)
            ranked = [top_hits(row, rows, topk) for row in scores]
            self.last_scored = [num_videos] * len(texts)
        else:
            found = [
                self._two_stage(text[i], text_keys[i:i + 1], size, topk, seed)
                for i in range(len(texts))
            ]
            ranked = [best for best, _ in found]
            self.last_scored = [scored for _, scored in found]
        hits = [[
            self._hit(row, score, rank)
            for rank, (row, score) in enumerate(found, 1)
        ] for found in ranked]
        return hits[0] if isinstance(queries, str) else hits

    def _two_stage(self, text: Tensor, text_key: Tensor, size: int, topk: int,
                   seed: int) -> Tuple[list, int]:
        """The best ``(row, score)`` among the ``size`` videos shortlisted
        for ``text`` and how many videos were scored exactly.

        When fewer hits than the shortlist are asked for, the videos that
        might still reach the top ``topk`` by
        :func:`~.search_scoring.rows_that_may_enter` are scored too, until
        none is left or ``widen_limit * size`` videos are scored (the best
        by cheap score first).
        """
        cheap = cheap_scores(text, self.features.means)
        rows = shortlist(cheap, size)
        scores = self._exact(text, text_key, rows, seed)
        limit = self.widen_limit * size
        while topk < size and len(rows) < limit:
            extra = rows_that_may_enter(cheap, rows, scores,
                                        topk)[:limit - len(rows)]
            if not len(extra):
                break
            rows = torch.cat([rows, extra])
            scores = torch.cat(
                [scores, self._exact(text, text_key, extra, seed)])
        order = rows.argsort()
        return top_hits(scores[order], rows[order], topk), len(rows)

    def _exact(self, text: Tensor, text_key: Tensor, rows: Tensor,
               seed: int) -> Tensor:
        """``[N]`` T-MASS scores of ``text`` with the gallery ``rows``."""
        return tmass_scores(self.model, text[None], self.features.frames[rows],
                            text_key, self.video_keys[rows], seed)[0]

    def _hit(self, row: int, score: float, rank: int) -> dict:
        video = self.features.videos[row]
        hit = dict(video=video.path, score=score, rank=rank)
        if video.start is not None or video.end is not None:
            hit.update(start=video.start, end=video.end)
        return hit


def _check_shortlist(size: int) -> None:
    if size < 1:
        raise ValueError(f'shortlist must be >= 1, got {size}')


def _check_queries(texts: List[str], topk: int) -> None:
    if not texts:
        raise ValueError('no query: give a sentence or a non-empty list')
    blank = [i for i, text in enumerate(texts) if not str(text).strip()]
    if blank:
        raise ValueError(f'query {blank[0]} is empty: each query must be a '
                         f'non-blank sentence')
    if topk < 1:
        raise ValueError(f'topk must be >= 1, got {topk}')
