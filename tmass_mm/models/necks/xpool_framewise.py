"""The X-Pool neck (docs/method.md §2) rewritten per frame, for
all-pairs scoring: ``XPoolNeck.framewise`` (the interface of
``framewise.py``).

For one text and one video with attention weights ``a[h, f]`` (softmax over
the ``F`` frames of head ``h``; ``K = H * F`` weights in all)::

    o = Wo concat_h(sum_f a[h, f] u[h, f]) + bo = sum_k a[k] y[k]
    y[h, f] = Wo[:, head h] u[h, f] + bo / H             (per frame, [D])

because each head's weights sum to 1. Everything after ``o`` is affine in
``o`` except the two layer norms, whose statistics come from per-video Gram
matrices of the centred frame vectors::

    x = LN2(o) = g2 * sum_k a[k] yc[k] / s + b2,   s^2 = a' G a / D + e2
    z = x + Wl x + bl = sum_k a[k] h[k] / s + c0,  h[k] = (I + Wl)(g2 * yc[k])
    p = LN3(z) = g3 * (sum_k a[k] hc[k] / s + c0c) / r + b3,
    r^2 = (a' Gh a / s^2 + 2 a'(Hc c0c) / s + |c0c|^2) / D + e3

(``yc``, ``hc``, ``c0c``: centred over ``D``; ``G = Yc Yc'``,
``Gh = Hc Hc'``.) So ``Wo`` and ``Wl`` cost ``V*K*D^2`` once instead of
``V*T*D^2``, and each pair costs one ``[K + 2] x [K + 2, D]`` mix (the two
extra rows carry ``g3 * c0c`` and ``b3``); ``|p|`` too comes from a Gram
matrix, so unit ``p`` costs no extra pass over ``D``. The result equals
the neck's output in eval mode up to float rounding; dropout is not applied
(scoring is inference).
"""
import math

import torch
from torch import Tensor


class FramewiseXPool:
    """Per-video statistics of an X-Pool neck; pools any block of pairs
    (a :class:`~tmass_mm.models.necks.framewise.FramewisePooler`).

    Args:
        neck: an ``XPoolNeck`` (affine layer norms, any number of heads).
        video: ``[V, F, D]`` frame features.

    Attributes (``K = H * F``, all float32): ``frame_keys``
    ``[V, F, H, d]``; ``pooled_gram`` ``[V, K, K]`` (``G``);
    ``output_gram`` ``[V, K, K]`` (``Gh``); ``output_cross`` ``[V, K]``
    (``Hc c0c``); ``basis`` ``[V, K + 2, D]``, the rows ``g3 * hc[k]``,
    ``g3 * c0c`` and ``b3`` of which every ``p`` is a combination, and its
    Gram matrix ``basis_gram``, which gives ``|p|``.
    """

    def __init__(self, neck, video: Tensor):
        self.neck = neck
        self.dim = neck.embed_dim
        self.num_heads = neck.num_heads
        normed = neck.norm_input(video.float())
        self.frame_keys = self._split_heads(neck.k_proj(normed))
        frames = self._frame_outputs(self._split_heads(neck.v_proj(normed)))
        frames = _centre(frames)  # yc, [V, K, D]
        self.pooled_gram = frames @ frames.mT
        hidden = frames * neck.norm_pooled.weight.float()
        hidden = _centre(hidden + _linear_no_bias(neck.linear, hidden))
        const = _centre(self._output_offset())  # c0c, [D]
        self.output_gram = hidden @ hidden.mT
        self.output_cross = hidden @ const
        self.const_sq = const @ const
        gain = neck.norm_output.weight.float()
        offsets = torch.stack([const * gain, neck.norm_output.bias.float()])
        self.basis = torch.cat(
            [hidden * gain, offsets.expand(len(hidden), 2, -1)], dim=1)
        self.basis_gram = self.basis @ self.basis.mT

    def _split_heads(self, x: Tensor) -> Tensor:
        """``[..., D] -> [..., H, d]``, float32."""
        return x.float().unflatten(-1, (self.num_heads, -1))

    def _frame_outputs(self, values: Tensor) -> Tensor:
        """``y``: ``[V, F, H, d]`` values → ``[V, K, D]``, head-major."""
        out_proj = self.neck.out_proj
        weight = out_proj.weight.float().unflatten(1, (self.num_heads, -1))
        frames = torch.einsum('vfhe,dhe->vhfd', values, weight)
        frames = frames + out_proj.bias.float() / self.num_heads
        return frames.flatten(1, 2)

    def _output_offset(self) -> Tensor:
        """``c0 = (I + Wl) b2 + bl``, ``[D]``."""
        beta = self.neck.norm_pooled.bias.float()
        return beta + self.neck.linear(beta[None]).float()[0]

    def queries(self, text: Tensor) -> Tensor:
        """``[T, D]`` texts → ``[T, H, d]`` attention queries, scaled by
        ``1 / sqrt(d)``."""
        query = self.neck.q_proj(self.neck.norm_input(text.float()))
        scale = 1.0 / math.sqrt(self.dim // self.num_heads)
        return self._split_heads(query) * scale

    def attention(self, queries: Tensor, videos: slice) -> Tensor:
        """Weights of every query over the frames of ``videos``.

        Args:
            queries: ``[Tc, H, d]`` from :meth:`queries`.
            videos: which videos, a slice of ``[0, V)`` (``Vc`` of them).

        Returns:
            ``[Vc, Tc, K]``.
        """
        logits = torch.einsum('thd,vfhd->vthf', queries,
                              self.frame_keys[videos])
        return logits.softmax(dim=-1).flatten(-2)

    def paired_attention(self, queries: Tensor, videos: slice) -> Tensor:
        """Weights of query ``i`` over the frames of video ``i`` only.

        Args:
            queries: ``[Vc, H, d]``, one per video of ``videos``.

        Returns:
            ``[Vc, 1, K]``.
        """
        logits = torch.einsum('vhd,vfhd->vhf', queries,
                              self.frame_keys[videos])
        return logits.softmax(dim=-1).flatten(-2)[:, None]

    def pool(self,
             queries: Tensor,
             videos: slice,
             unit: bool = False) -> Tensor:
        """``[Vc, Tc, D]``: every query with every video of ``videos``."""
        return self.mix(self.attention(queries, videos), videos, unit)

    def pool_matched(self,
                     queries: Tensor,
                     videos: slice,
                     unit: bool = False) -> Tensor:
        """``[Vc, D]``: query ``i`` with the ``i``-th video of ``videos``."""
        return self.mix(self.paired_attention(queries, videos), videos,
                        unit)[:, 0]

    def mix(self,
            weights: Tensor,
            videos: slice,
            unit: bool = False) -> Tensor:
        """Pooled embeddings ``p(v | t)`` from attention weights.

        Args:
            weights: ``[Vc, Tc, K]`` from :meth:`attention`.
            videos: the slice the weights were computed for.
            unit: return ``p / |p|`` (no extra pass over ``D``).

        Returns:
            ``[Vc, Tc, D]`` float32, the neck's output for these pairs.
        """
        pooled_var = _quadratic(weights, self.pooled_gram[videos])
        scale = (pooled_var / self.dim + self.neck.norm_pooled.eps).rsqrt()
        cross = (weights @ self.output_cross[videos, :, None])[..., 0]
        output_var = (
            _quadratic(weights, self.output_gram[videos]) * scale.square() +
            2 * cross * scale + self.const_sq)
        inv_std = (output_var / self.dim + self.neck.norm_output.eps).rsqrt()
        offsets = torch.stack([inv_std, torch.ones_like(inv_std)], dim=-1)
        coefs = torch.cat([weights * (scale * inv_std)[..., None], offsets],
                          dim=-1)  # [Vc, Tc, K + 2], over the basis rows
        if unit:
            norms = _quadratic(coefs, self.basis_gram[videos]).sqrt()
            coefs = coefs / norms[..., None]
        return coefs @ self.basis[videos]


def _centre(x: Tensor) -> Tensor:
    """Subtract the mean over the last dimension."""
    return x - x.mean(dim=-1, keepdim=True)


def _linear_no_bias(layer, x: Tensor) -> Tensor:
    """``x @ W'`` of an ``nn.Linear``, float32."""
    return x @ layer.weight.float().T


def _quadratic(weights: Tensor, gram: Tensor) -> Tensor:
    """``a' G a`` per pair: ``[Vc, Tc, K]``, ``[Vc, K, K]`` → ``[Vc, Tc]``."""
    return ((weights @ gram) * weights).sum(-1)
