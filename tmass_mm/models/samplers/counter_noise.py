"""Counter-based draws of ``eps`` for inference (docs/method.md §6).

The :class:`StochasticTextSampler` owns the prior; its
``inference_noise`` builds this generator for it, next to its training draw
(torch's generator). Every ``eps`` value is a pure function of the seed, the
stream it belongs to (which text, video and trial) and its dimension ``d``.
Scores therefore do not depend on chunk sizes, on the order blocks are
visited or on the device, and a reference implementation can recompute the
draws of any single pair. torch's CPU generator would be the bottleneck
(about 5 ns a number, serial): these draws are plain vectorised integer
arithmetic.

Definition, on unsigned 32-bit words with wrapping arithmetic (``>>>`` a
logical shift)::

    mix(x)   = lowbias32: x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15;
               x *= 0x846ca68b; x ^= x >>> 16
    mix'(x)  = mix without its final xorshift
    fold(h, [w1, w2, ...]) = fold(mix(h ^ w1), [w2, ...]),  fold(h, []) = h
    salt     = mix(seed ^ DOMAIN[kind]),  dim_salt[d] = mix(mix(d) ^ salt)
    u(k, d)  = (mix'(k ^ dim_salt[d]) >>> 9) / 2^23        in [0, 1)
    eps      = u                          (prior 'uniform01')
             = prior_std * ndtri(u + 2^-24)   (prior 'normal')

The stream key ``k`` comes from positions or from stable identities:

* positions, ``k = fold(salt, [lo32(c), hi32(c)])`` with the counter
  ``c = (v * T + t) * M + m`` for kind ``'pair'`` (fresh noise per text
  ``t`` out of ``T``, video ``v`` -- its index in the whole gallery, so a
  gallery scored in several calls draws what one call would -- and trial
  ``m`` out of ``M``) and ``c = t * M + m`` for kind ``'text'`` (one set of
  ``M`` draws per text, shared by every video). Keys are distinct for the
  first 2^32 counters.
* identities (int64 ``a`` of the text, ``b`` of the video, see
  :func:`stable_key`), ``k = fold(salt, [lo32(a), hi32(a), lo32(b),
  hi32(b), m])`` for kind ``'pair'`` and ``fold(salt, [lo32(a), hi32(a),
  m])`` for kind ``'text'``: a pair's draws do not depend on which other
  texts and videos are scored with it. Keys are 32-bit hashes here, so
  among many streams a few share their draws (about ``n^2 / 2^33`` pairs
  of ``n`` streams), which leaves every stream's distribution unchanged.

``u`` has resolution 2^-23 (``torch.rand``: 2^-24): its 23 bits are the
mantissa of a float in [1, 2), which saves an integer-to-float conversion.
"""
import hashlib
from typing import Optional

import torch
from torch import Tensor

from tmass_mm.utils.choices import check_choice

#: Distributions of ``eps``: U[0, 1) and N(0, prior_std^2).
PRIORS = ('uniform01', 'normal')

_MUL1 = 0x7feb352d
_MUL2 = 0x846ca68b - (1 << 32)  # the same word as a signed int32
_DOMAIN = {'pair': 0x2545f491, 'text': 0x6a09e667}
_U23 = 2.0**-23
_MANTISSA = (1 << 23) - 1
_ONE = 0x3F800000  # 1.0f


def _xorshift_(x: Tensor, shift: int, tmp: Tensor) -> Tensor:
    """``x ^= x >>> shift`` in place on int32 (a logical shift)."""
    torch.bitwise_right_shift(x, shift, out=tmp)
    tmp.bitwise_and_((1 << (32 - shift)) - 1)
    return x.bitwise_xor_(tmp)


def _mix_core_(x: Tensor, tmp: Tensor) -> Tensor:
    """``mix'`` without its first xorshift, in place: multiply, xorshift 15,
    multiply."""
    x.mul_(_MUL1)
    _xorshift_(x, 15, tmp)
    return x.mul_(_MUL2)


def mix32(x: Tensor) -> Tensor:
    """lowbias32 of every int32 word (a bijection); returns a new tensor."""
    x = x.to(torch.int32, copy=True)
    tmp = torch.empty_like(x)
    _xorshift_(x, 16, tmp)
    _mix_core_(x, tmp)
    return _xorshift_(x, 16, tmp)


def _wrap_int32(x: Tensor) -> Tensor:
    """Low 32 bits of int64 values as int32 words."""
    return ((x & 0xFFFFFFFF) - ((x & 0x80000000) << 1)).to(torch.int32)


def _fold(hashes: Tensor, words: Tensor) -> Tensor:
    """``mix(h ^ w)`` of int32 hashes and int64 words (their low 32 bits),
    broadcast."""
    return mix32(hashes ^ _wrap_int32(words))


def stable_key(name: str) -> int:
    """A deterministic 62-bit identity of a string (a query text, a video
    path), for noise keyed by identities: the first 8 bytes of its UTF-8
    BLAKE2b digest, top two bits cleared. The same on every machine and in
    every process (unlike ``hash``)."""
    digest = hashlib.blake2b(name.encode('utf-8'), digest_size=8).digest()
    return int.from_bytes(digest, 'little') >> 2


class CounterNoise:
    """Draws ``eps`` for streams named by counters (see the module docstring).

    Args:
        seed (int): any integer; only its low 32 bits are used.
        dim (int): ``D``, values per draw.
        kind (str): ``'pair'`` or ``'text'``, the counter layout; the two
            kinds give unrelated streams for the same seed.
        prior (str): ``'uniform01'`` or ``'normal'``.
        prior_std (float): standard deviation of the normal prior.
        device: where keys and draws live.
    """

    def __init__(self,
                 seed: int,
                 dim: int,
                 kind: str = 'pair',
                 prior: str = 'uniform01',
                 prior_std: float = 0.0,
                 device=None):
        check_choice('prior', prior, PRIORS)
        self.kind = kind
        self.prior = prior
        self.prior_std = prior_std
        self.device = torch.device(device or 'cpu')
        # eps = offset + scale * values(...)
        self.offset, self.scale = ((-1.0, 1.0) if prior == 'uniform01' else
                                   (0.0, prior_std))
        salt = mix32(
            _wrap_int32(
                torch.tensor([(seed ^ _DOMAIN[kind]) & 0xFFFFFFFF],
                             device=self.device)))
        self._salt = salt
        dims = torch.arange(dim, device=self.device, dtype=torch.int32)
        # mix'(k ^ s) begins with a xorshift, which is linear over xor: it is
        # applied to keys and dimension salts separately, once each.
        self._dim_salt = self._pre_shift(mix32(mix32(dims) ^ salt))

    @staticmethod
    def _pre_shift(x: Tensor) -> Tensor:
        return _xorshift_(x, 16, torch.empty_like(x))

    def counters(self,
                 text_index: Tensor,
                 num_trials: int,
                 video_index: Tensor = None,
                 num_texts: int = 0) -> Tensor:
        """Stream counters of ``kind`` as int64.

        Args:
            text_index: ``[Tc]`` text indices ``t``.
            num_trials: ``M``.
            video_index, num_texts: ``[Vc]`` gallery indices ``v`` of the
                videos and the number of texts ``T`` (kind ``'pair'``
                only).

        Returns:
            ``[Vc, Tc, M]`` (``'pair'``) or ``[Tc, M]`` (``'text'``).
        """
        trials = torch.arange(num_trials, device=self.device)
        text_index = text_index.to(self.device, torch.int64)
        if self.kind == 'text':
            return text_index[:, None] * num_trials + trials
        video_index = video_index.to(self.device, torch.int64)
        stream = video_index[:, None] * num_texts + text_index[None, :]
        return stream[..., None] * num_trials + trials

    def keys(self, counters: Tensor) -> Tensor:
        """int32 keys of int64 counters, same shape (stored pre-shifted)."""
        key = _fold(_fold(self._salt, counters), counters >> 32)
        return self._pre_shift(key)

    def identity_keys(self,
                      text_keys: Tensor,
                      num_trials: int,
                      video_keys: Optional[Tensor] = None) -> Tensor:
        """int32 keys (stored pre-shifted) of streams named by identities.

        Args:
            text_keys: ``[Tc]`` int64 identities of the texts.
            num_trials: ``M``.
            video_keys: ``[Vc]`` int64 identities of the videos (kind
                ``'pair'`` only).

        Returns:
            ``[Vc, Tc, M]`` (``'pair'``) or ``[Tc, M]`` (``'text'``).
        """
        text_keys = text_keys.to(self.device, torch.int64)
        stream = _fold(_fold(self._salt, text_keys), text_keys >> 32)
        if self.kind == 'pair':
            video_keys = video_keys.to(self.device, torch.int64)[:, None]
            stream = _fold(_fold(stream[None], video_keys), video_keys >> 32)
        trials = torch.arange(num_trials, device=self.device)
        return self._pre_shift(_fold(stream[..., None], trials))

    def draw(self, keys: Tensor) -> Tensor:
        """``eps`` for every key: ``[...]`` int32 keys → ``[..., D]`` float32.
        """
        return self.values(keys) * self.scale + self.offset

    def values(self, keys: Tensor, work: Optional[Tensor] = None) -> Tensor:
        """:meth:`draw` without its last pass: ``x`` with
        ``eps = offset + scale * x``, for callers that fold the affine map
        into their own arithmetic.

        Args:
            keys: ``[...]`` int32 keys.
            work: optional int32 scratch ``[2, keys.numel() * D]``; the
                result is a float32 view of ``work[0]`` and ``work[1]`` is
                free again on return.

        Returns:
            ``[..., D]`` float32.
        """
        shape = (*keys.shape, self._dim_salt.numel())
        if work is None:
            work = torch.empty(
                2,
                keys.numel() * shape[-1],
                dtype=torch.int32,
                device=self.device)
        bits, tmp = work[0].view(shape), work[1].view(shape)
        torch.bitwise_xor(keys[..., None], self._dim_salt, out=bits)
        _mix_core_(bits, tmp)
        # the top 23 bits as the mantissa of a float in [1, 2)
        bits.bitwise_right_shift_(9).bitwise_and_(_MANTISSA)
        values = bits.bitwise_or_(_ONE).view(torch.float32)
        if self.prior == 'normal':
            torch.special.ndtri(values.sub_(1 - _U23 / 2), out=values)
        return values
