"""Tokenising captions and packing what the retriever consumes."""
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
import open_clip
import torch
from mmcv.transforms import BaseTransform

from tmass_mm.registry import TRANSFORMS
from tmass_mm.structures import RetrievalDataSample


@lru_cache(maxsize=None)
def _tokenizer(model_name: str, context_length: int) -> Callable:
    return open_clip.get_tokenizer(model_name, context_length=context_length)


@TRANSFORMS.register_module()
class TokenizeTexts(BaseTransform):
    """Tokenise ``results['texts']`` with open_clip's tokenizer.

    The tokenizer is built once per (model, length) and process. Captions
    longer than ``context_length`` tokens are truncated (the end-of-text
    token is kept).

    Required keys: ``texts`` (list[str], n captions).
    Added keys: ``text_tokens`` (LongTensor ``[n, context_length]``).

    Args:
        model_name (str): open_clip model whose tokenizer to use.
        context_length (int): tokens per caption. Defaults to 77.
    """

    def __init__(self, model_name: str = 'ViT-B-32', context_length: int = 77):
        self.model_name = model_name
        self.context_length = context_length
        self.tokenizer = _tokenizer(model_name, context_length)

    def transform(self, results: dict) -> dict:
        tokens = self.tokenizer(list(results['texts']))
        results['text_tokens'] = tokens.long()
        return results


@TRANSFORMS.register_module()
class PackRetrievalInputs(BaseTransform):
    """Pack frames, tokens and sample information for the retriever.

    Required keys: ``imgs`` (uint8 ``[F, H, W, 3]``), ``text_tokens``
    (LongTensor ``[n, L]``) and every key of ``meta_keys``.

    Returns:
        dict: ``inputs=dict(imgs=uint8 Tensor [F, 3, H, W],
        texts=LongTensor [n, L])`` and ``data_samples``, a
        ``RetrievalDataSample`` whose metainfo holds ``meta_keys``.

    Args:
        meta_keys (Sequence[str]): keys copied into the data sample.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('video_id', 'video_index',
                                             'text_indices', 'texts',
                                             'frame_inds')):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        missing = [
            key for key in ('imgs', 'text_tokens', *self.meta_keys)
            if key not in results
        ]
        if missing:
            raise KeyError(f'PackRetrievalInputs: results of '
                           f'{results.get("video_path")!r} lack {missing}')
        imgs = torch.from_numpy(
            np.ascontiguousarray(results['imgs'].transpose(0, 3, 1, 2)))
        data_sample = RetrievalDataSample(
            metainfo={key: results[key]
                      for key in self.meta_keys})
        return dict(
            inputs=dict(imgs=imgs, texts=results['text_tokens']),
            data_samples=data_sample)
