"""Stochastic text embedding ``t_s = t + eps * R`` (docs/method.md §4).

The sampler owns the radius and the prior of ``eps``, and both ways of
drawing ``eps``: torch's generator for training (:meth:`noise`,
:meth:`sample`) and the counter-based draws of inference
(:meth:`inference_noise`, defined in ``counter_noise.py``).
"""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor

from tmass_mm.registry import MODELS, build_model_part
from tmass_mm.utils.choices import check_choice
from .counter_noise import PRIORS, CounterNoise
from .radius import frame_similarity


@MODELS.register_module()
class StochasticTextSampler(BaseModule):
    """Draws texts from the mass around a text point.

    Args:
        radius (dict): config of the radius module (``SimilarityRadius`` or
            ``UnlearnableRadius``).
        prior (str): distribution of ``eps``: ``'uniform01'`` (U[0, 1), the
            default) or ``'normal'`` (N(0, prior_std^2)).
        prior_std (float): standard deviation of the ``'normal'`` prior
            (3e-3 in the LSMDC recipe). ``0`` gives ``eps == 0``.
    """

    def __init__(self,
                 radius: dict,
                 prior: str = 'uniform01',
                 prior_std: float = 3e-3,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_choice('prior', prior, PRIORS)
        self.radius_module = build_model_part(radius)
        self.prior = prior
        self.prior_std = prior_std

    def log_radius(self,
                   text: Tensor,
                   video: Tensor,
                   all_pairs: bool = True) -> Tensor:
        """``log R`` for text ``[T, D]`` and video ``[V, F, D]``.

        Returns ``[V, T, D]`` (all pairs) or ``[N, D]`` (text ``i`` with
        video ``i``).
        """
        return self.radius_module(frame_similarity(text, video, all_pairs))

    def radius(self,
               text: Tensor,
               video: Tensor,
               all_pairs: bool = True) -> Tensor:
        """``R = exp(log R)`` in float32; shapes as :meth:`log_radius`."""
        return self.log_radius(text, video, all_pairs).float().exp()

    def noise(self,
              shape: Sequence[int],
              device=None,
              generator: Optional[torch.Generator] = None) -> Tensor:
        """``eps`` of the given shape from the prior, float32."""
        if self.prior == 'uniform01':
            return torch.rand(shape, device=device, generator=generator)
        eps = torch.randn(shape, device=device, generator=generator)
        return eps * self.prior_std

    def inference_noise(self,
                        seed: int,
                        dim: int,
                        kind: str = 'pair',
                        device=None) -> CounterNoise:
        """The counter-based draws of this prior for all-pairs scoring.

        Args:
            seed (int): noise seed (low 32 bits used).
            dim (int): ``D``.
            kind (str): ``'pair'`` (fresh draws per text, video and trial)
                or ``'text'`` (per text and trial, shared by the videos).
            device: where the draws live.
        """
        return CounterNoise(seed, dim, kind, self.prior, self.prior_std,
                            device)

    def sample(self,
               text: Tensor,
               radius: Tensor,
               generator: Optional[torch.Generator] = None) -> Tensor:
        """One reparameterised draw ``t + eps * R``; ``[..., D]`` each."""
        eps = self.noise(radius.shape, radius.device, generator)
        return text.float() + eps * radius
