"""T-MASS head: the training loss (docs/method.md §5) and inference scores
(docs/method.md §6)."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.functional import cross_entropy, normalize

from tmass_mm.registry import MODELS, build_model_part
from tmass_mm.utils.choices import check_choice
from .pair_scoring import NOISE_MODES, score_all_pairs

TEXT_LOSSES = ('stochastic', 'point')


def symmetric_cross_entropy(logits: Tensor) -> Tensor:
    """Mean of text→video and video→text CE; ``[B(texts), B(videos)]``,
    the matched pair of text ``i`` is video ``i``."""
    target = torch.arange(logits.shape[0], device=logits.device)
    return (cross_entropy(logits, target) +
            cross_entropy(logits.T, target)) / 2


def pooled_cosine(text: Tensor, pooled: Tensor) -> Tensor:
    """``s[i, j] = cos(text[i], pooled[j, i])``.

    Args:
        text: ``[B, D]``, one (possibly stochastic) text per row.
        pooled: ``[B(videos), B(texts), D]`` from the neck.

    Returns:
        ``[B(texts), B(videos)]`` float32.
    """
    text = normalize(text.float(), dim=-1)
    pooled = normalize(pooled.float(), dim=-1)
    return torch.einsum('td,vtd->tv', text, pooled)


@MODELS.register_module()
class TMASSHead(BaseModule):
    """Losses and scores of T-MASS on top of an X-Pool neck.

    Args:
        sampler (dict): config of the ``StochasticTextSampler``.
        support_weight (float): ``lambda`` of the support-text loss (0.8 on
            MSR-VTT, 0 elsewhere).
        text_loss (str): ``'stochastic'`` (``L_s``, T-MASS) or ``'point'``
            (``L_ce`` on the text point, X-Pool's loss: ablation "R w/o L_s",
            sampling then only happens at inference).
        kl_weight (float): weight of the KL ablation: ``KL(N(t, R^2) ||
            N(0, I))`` averaged over the batch. 0 disables it.
        num_trials (int): ``M`` stochastic texts per pair at inference.
        eval_seed (int): seed of the inference noise when the caller gives
            none (``RetrievalMetric`` passes its own ``seed``).
        text_chunk, video_chunk (int, optional): block sizes of all-pairs
            scoring; ``None`` picks a default for the device.
        noise (str): ``'faithful'`` (fresh noise per text, video and trial,
            docs/method.md §6) or ``'shared'`` (each text's ``M`` draws
            reused for every video; faster, same per-pair distribution). See
            :func:`score_all_pairs`.
    """

    def __init__(self,
                 sampler: dict,
                 support_weight: float = 0.0,
                 text_loss: str = 'stochastic',
                 kl_weight: float = 0.0,
                 num_trials: int = 20,
                 eval_seed: int = 0,
                 text_chunk: Optional[int] = None,
                 video_chunk: Optional[int] = None,
                 noise: str = 'faithful',
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_choice('text_loss', text_loss, TEXT_LOSSES)
        check_choice('noise mode', noise, NOISE_MODES)
        self.sampler = build_model_part(sampler)
        self.support_weight = support_weight
        self.text_loss = text_loss
        self.kl_weight = kl_weight
        self.num_trials = num_trials
        self.eval_seed = eval_seed
        self.text_chunk = text_chunk
        self.video_chunk = video_chunk
        self.noise = noise

    def loss(self, text: Tensor, video: Tensor, neck,
             logit_scale: Tensor) -> Dict[str, Tensor]:
        """Training losses for ``B`` matched pairs (text ``i`` ↔ video ``i``).

        Args:
            text: ``[B, D]``; video: ``[B, F, D]``.
            neck: the X-Pool neck.
            logit_scale: CLIP's log inverse temperature (scalar).

        Returns:
            ``loss_stochastic`` (or ``loss_point``), and ``loss_support`` /
            ``loss_kl`` when their weights are non-zero, each already
            weighted.
        """
        pooled = neck(text, video)  # [B(videos), B(texts), D]
        log_radius = self.sampler.log_radius(text, video, all_pairs=False)
        radius = log_radius.float().exp()  # [B, D], R_i of pair i
        scale = logit_scale.float().exp()
        losses = {}
        if self.text_loss == 'stochastic':
            sample = self.sampler.sample(text, radius)
            losses['loss_stochastic'] = symmetric_cross_entropy(
                scale * pooled_cosine(sample, pooled))
        else:
            losses['loss_point'] = symmetric_cross_entropy(
                scale * pooled_cosine(text, pooled))
        if self.support_weight:
            support = self.support_text(text, pooled, radius)
            losses['loss_support'] = self.support_weight * \
                symmetric_cross_entropy(scale * pooled_cosine(support, pooled))
        if self.kl_weight:
            kl = 0.5 * (radius.square() + text.float().square() - 1 -
                        2 * log_radius.float()).sum(-1).mean()
            losses['loss_kl'] = self.kl_weight * kl
        return losses

    @staticmethod
    def support_text(text: Tensor, pooled: Tensor, radius: Tensor) -> Tensor:
        """``t_sup,i = t_i + R_i * (c_i - t_i) / ||c_i - t_i||`` with
        ``c_i = mean_k pooled[i, k]``; ``[B, D]``."""
        text = text.float()
        direction = normalize(pooled.float().mean(dim=1) - text, dim=-1)
        return text + radius * direction

    def predict_scores(self,
                       text: Tensor,
                       video: Tensor,
                       neck,
                       pool_text_index: Optional[Tensor] = None,
                       seed: Optional[int] = None,
                       video_offset: int = 0,
                       text_keys: Optional[Tensor] = None,
                       video_keys: Optional[Tensor] = None) -> Tensor:
        """``[T, V]`` inference scores; see :func:`score_all_pairs`.

        ``seed`` (default ``eval_seed``) fixes the noise; the scores do not
        depend on the device, the block sizes or on how the gallery is split
        into calls (``video_offset``: gallery index of ``video[0]``). With
        ``text_keys`` ``[T]`` and ``video_keys`` ``[V]`` (int64 stable
        identities, e.g. from ``stable_key``) the noise of a pair depends
        only on the seed and the two identities, so a pair scores the same
        whatever texts and videos it is scored with.
        """
        generator = torch.Generator()
        generator.manual_seed(self.eval_seed if seed is None else seed)
        return score_all_pairs(
            text,
            video,
            neck,
            self.sampler,
            self.num_trials,
            generator,
            pool_text_index,
            self.text_chunk,
            self.video_chunk,
            noise=self.noise,
            video_offset=video_offset,
            text_keys=text_keys,
            video_keys=video_keys)
