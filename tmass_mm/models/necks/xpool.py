"""X-Pool: text-conditioned attention pooling of frame features
(docs/method.md §2)."""
import math
from typing import Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from tmass_mm.registry import MODELS
from .xpool_framewise import FramewiseXPool


def _identity_linear(dim: int) -> nn.Linear:
    layer = nn.Linear(dim, dim)
    with torch.no_grad():
        layer.weight.copy_(torch.eye(dim))
        layer.bias.zero_()
    return layer


@MODELS.register_module()
class XPoolNeck(BaseModule):
    """Pools a video's frames with attention queried by a text.

    ``t' = LN1(t)``, ``f' = LN1(f)``; per head, softmax over frames of
    ``(Wk f')·(Wq t') / sqrt(d)`` weights the values ``Wv f'``; then
    ``x = LN2(Wo concat_heads(...))`` and ``p = LN3(x + Dropout(Wl x))``.
    All linear maps start as the identity with zero bias.

    Args:
        embed_dim (int): ``D``, the joint embedding width.
        num_heads (int): attention heads ``H``; ``D`` must divide by it.
        dropout (float): dropout on ``Wl x`` (0.3; 0.4 for DiDeMo).
    """

    def __init__(self,
                 embed_dim: int = 512,
                 num_heads: int = 1,
                 dropout: float = 0.3,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if embed_dim % num_heads:
            raise ValueError(f'embed_dim={embed_dim} is not divisible by '
                             f'num_heads={num_heads}')
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.norm_input = nn.LayerNorm(embed_dim)
        self.q_proj = _identity_linear(embed_dim)
        self.k_proj = _identity_linear(embed_dim)
        self.v_proj = _identity_linear(embed_dim)
        self.out_proj = _identity_linear(embed_dim)
        self.norm_pooled = nn.LayerNorm(embed_dim)
        self.linear = _identity_linear(embed_dim)
        self.dropout = nn.Dropout(dropout)
        self.norm_output = nn.LayerNorm(embed_dim)

    def _split_heads(self, x: Tensor) -> Tensor:
        return x.unflatten(-1, (self.num_heads, -1))

    def _head_rows(self, layer: nn.Linear) -> Tensor:
        """A projection's weight split by output head: ``[H, d, D]``."""
        return layer.weight.unflatten(0, (self.num_heads, -1))

    def _text_keys(self, text: Tensor) -> Tuple[Tensor, Tensor]:
        """Each head's query taken back through the key map, so that frames
        need no key projection: ``(Wk f' + bk)_h . q_h = f' . (Wk_h' q_h) +
        bk_h . q_h``.

        Args:
            text: ``[T, D]``.

        Returns:
            ``[T, H, D]`` keys ``Wk_h' q_h / sqrt(d)`` and ``[T, H]``
            offsets ``bk_h . q_h / sqrt(d)`` (constant over the frames, so
            the softmax removes them; kept so that ``bk`` stays in the graph
            like every other parameter).
        """
        query = self._split_heads(self.q_proj(self.norm_input(text)))
        query = query * (1.0 / math.sqrt(self.embed_dim // self.num_heads))
        keys = torch.einsum('thd,hde->the', query,
                            self._head_rows(self.k_proj))
        offsets = (query * self._split_heads(self.k_proj.bias)).sum(-1)
        return keys, offsets

    def attention(self,
                  text: Tensor,
                  video: Tensor,
                  all_pairs: bool = True) -> Tensor:
        """Attention of each text over the frames of each video.

        Args:
            text: ``[T, D]``; video: ``[V, F, D]``. With ``all_pairs=False``
                text ``[N, D]`` is paired with video ``[N, F, D]``.

        Returns:
            ``[V, T, H, F]`` (all pairs) or ``[N, H, F]``, summing to 1 over F.
        """
        return self._attention(text, self.norm_input(video), all_pairs)

    def _attention(self, text: Tensor, frames: Tensor,
                   all_pairs: bool) -> Tensor:
        """:meth:`attention` on normalised frames ``f'``."""
        keys, offsets = self._text_keys(text)
        if all_pairs:
            logits = torch.einsum('the,vfe->vthf', keys, frames)
        else:
            logits = torch.einsum('nhe,nfe->nhf', keys, frames)
        return (logits + offsets[..., None]).softmax(dim=-1)

    def forward(self,
                text: Tensor,
                video: Tensor,
                all_pairs: bool = True) -> Tensor:
        """Pooled video embeddings ``p(v | t)``.

        Computed text first: the query goes through the key map instead of
        every frame (:meth:`_text_keys`), and each head's weights mix the
        normalised frames before the value map, ``sum_f a_f (Wv f'_f + bv)
        = Wv (sum_f a_f f'_f) + bv`` (the weights sum to 1). No ``D x D``
        map touches a frame, so a pair costs three ``D x D`` products
        whatever ``F``: cheap for few texts per video (training batches,
        a search query); per-video statistics (:meth:`framewise`) pay off
        when many texts meet each video.

        Args:
            text: ``[T, D]`` text features.
            video: ``[V, F, D]`` frame features.
            all_pairs: every text with every video (default), or text ``i``
                with video ``i`` only (``T == V``).

        Returns:
            ``[V, T, D]`` for all pairs, else ``[N, D]``.
        """
        frames = self.norm_input(video)
        weights = self._attention(text, frames, all_pairs)
        if all_pairs:
            mixed = torch.einsum('vthf,vfe->vthe', weights, frames)
        else:
            mixed = torch.einsum('nhf,nfe->nhe', weights, frames)
        values = torch.einsum('...he,hde->...hd', mixed,
                              self._head_rows(self.v_proj))
        values = values.flatten(-2) + self.v_proj.bias
        pooled = self.norm_pooled(self.out_proj(values))
        return self.norm_output(pooled + self.dropout(self.linear(pooled)))

    def framewise(self, video: Tensor) -> FramewiseXPool:
        """The per-frame form of this neck for all-pairs scoring (see
        ``framewise.py``): per-video statistics of ``[V, F, D]`` frame
        features, exact in eval mode."""
        return FramewiseXPool(self, video)
