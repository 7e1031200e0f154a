"""Radius of the text mass from text-frame similarities (docs/method.md §3).

Both modules map the ``F`` cosine similarities between a text and the frames
of a video to the LOG of the radius, ``[..., F] -> [..., D]``; the sampler
exponentiates in float32 so half-precision autocast cannot overflow it.
"""
import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from tmass_mm.registry import MODELS


def frame_similarity(text: Tensor,
                     video: Tensor,
                     all_pairs: bool = True) -> Tensor:
    """Cosine similarity of each text with each frame.

    Args:
        text: ``[T, D]``; video: ``[V, F, D]``. With ``all_pairs=False``
            text ``[N, D]`` is paired with video ``[N, F, D]``.

    Returns:
        ``[V, T, F]`` (all pairs) or ``[N, F]``, computed in float32.
    """
    text = nn.functional.normalize(text.float(), dim=-1)
    video = nn.functional.normalize(video.float(), dim=-1)
    if all_pairs:
        return torch.einsum('td,vfd->vtf', text, video)
    return torch.einsum('nd,nfd->nf', text, video)


@MODELS.register_module()
class SimilarityRadius(BaseModule):
    """Learned similarity-aware radius: ``log R = Wr S + br``.

    ``Wr`` (``[D, F]``) starts as ``eye(D, F)`` and ``br`` as zero, so at
    initialisation dimension ``i < F`` of ``log R`` is the similarity with
    frame ``i`` and the rest are zero.

    Args:
        num_frames (int): ``F``; must equal the frames per video in the data.
        embed_dim (int): ``D``.
    """

    def __init__(self,
                 num_frames: int = 12,
                 embed_dim: int = 512,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_frames = num_frames
        self.embed_dim = embed_dim
        self.linear = nn.Linear(num_frames, embed_dim)
        with torch.no_grad():
            self.linear.weight.copy_(torch.eye(embed_dim, num_frames))
            self.linear.bias.zero_()

    def forward(self, similarity: Tensor) -> Tensor:
        """``[..., F]`` frame similarities → ``[..., D]`` log radius."""
        if similarity.shape[-1] != self.num_frames:
            raise ValueError(f'SimilarityRadius was built for num_frames='
                             f'{self.num_frames} but the video has '
                             f'{similarity.shape[-1]} frames: make the radius '
                             f'num_frames match the pipeline\'s num_frames')
        return self.linear(similarity.to(self.linear.weight.dtype))


@MODELS.register_module()
class UnlearnableRadius(BaseModule):
    """Ablation: ``log R = mean(S) / tau`` on every dimension, no parameters.

    Args:
        embed_dim (int): ``D``.
        temperature (float): ``tau``.
    """

    def __init__(self,
                 embed_dim: int = 512,
                 temperature: float = 1.0,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.embed_dim = embed_dim
        self.temperature = temperature

    def forward(self, similarity: Tensor) -> Tensor:
        """``[..., F]`` frame similarities → ``[..., D]`` log radius."""
        log_radius = similarity.mean(dim=-1, keepdim=True) / self.temperature
        return log_radius.expand(*similarity.shape[:-1], self.embed_dim)
