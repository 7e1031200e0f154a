"""T-MASS head: the training loss (docs/method.md §5) and inference scores
(docs/method.md §6)."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.functional import normalize

from tmass_mm.registry import MODELS, build_model_part
from tmass_mm.utils.choices import check_choice
from .contrastive_batch import ContrastiveBatch
from .pair_scoring import NOISE_MODES, score_all_pairs

TEXT_LOSSES = ('stochastic', 'point')


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
        gather_across_ranks (bool): in distributed training (a process
            group with more than one rank), compute the losses over the
            global batch: every rank's texts and videos are negatives of
            every other's, and the gradient equals one process's on the
            global batch (see ``contrastive_batch.py`` and
            docs/distributed_training.md). ``False`` keeps each rank's
            losses to its local pairs (fewer negatives per softmax, a
            different objective from the single-process recipe). No effect
            in a single process.
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
                 gather_across_ranks: bool = True,
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
        self.gather_across_ranks = gather_across_ranks

    def loss(self, text: Tensor, video: Tensor, neck,
             logit_scale: Tensor) -> Dict[str, Tensor]:
        """Training losses for ``B`` matched pairs (text ``i`` ↔ video ``i``).

        Args:
            text: ``[B, D]``; video: ``[B, F, D]``: this process's pairs
                (gathered across ranks when ``gather_across_ranks``).
            neck: the X-Pool neck.
            logit_scale: CLIP's log inverse temperature (scalar).

        Returns:
            ``loss_stochastic`` (or ``loss_point``), and ``loss_support`` /
            ``loss_kl`` when their weights are non-zero, each already
            weighted.
        """
        batch = ContrastiveBatch(text, video, self.gather_across_ranks)
        pooled_t2v, pooled_v2t = batch.pool(neck)
        log_radius = self.sampler.log_radius(text, video, all_pairs=False)
        radius = log_radius.float().exp()  # [b, D], R_i of local pair i
        scale = logit_scale.float().exp()
        losses = {}
        if self.text_loss == 'stochastic':
            sample = self.sampler.sample(text, radius)  # local texts' draws
            losses['loss_stochastic'] = batch.symmetric_cross_entropy(
                scale, sample, pooled_t2v, pooled_v2t)
        else:
            losses['loss_point'] = batch.symmetric_cross_entropy(
                scale, text, pooled_t2v, pooled_v2t)
        if self.support_weight:
            support = self.support_text(text, pooled_v2t, radius)
            losses['loss_support'] = self.support_weight * \
                batch.symmetric_cross_entropy(
                    scale, support, pooled_t2v, pooled_v2t)
        if self.kl_weight:
            kl = 0.5 * (radius.square() + text.float().square() - 1 -
                        2 * log_radius.float()).sum(-1)
            losses['loss_kl'] = self.kl_weight * batch.mean(kl)
        return losses

    @staticmethod
    def support_text(text: Tensor, pooled: Tensor, radius: Tensor) -> Tensor:
        """``t_sup,i = t_i + R_i * (c_i - t_i) / ||c_i - t_i||`` with
        ``c_i = mean_k pooled[i, k]``, the mean of video ``i`` pooled by
        every text ``k`` of the (global) batch: text, radius ``[b, D]`` and
        pooled ``[b(videos), B(texts), D]`` → ``[b, D]``."""
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
