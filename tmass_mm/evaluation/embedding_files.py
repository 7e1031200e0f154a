"""Reading the files of cached features: EMBEDDINGS and querybanks.

An EMBEDDINGS file is what ``DumpRetrievalEmbeddings`` (and so
``tools/test.py --dump-embeddings``) writes with ``torch.save``: a dict of

- ``text_embeds`` ``[T, D]``: caption features, by global caption id;
- ``video_embeds`` ``[V, F, D]``: per-frame CLIP features, unnormalised;
- ``text_to_video`` ``[T]``: integer index of each caption's video;
- optionally ``texts`` (``T`` str) and ``video_ids`` (``V`` ids).

A querybank file holds at least ``text_embeds`` ``[Q, D]`` (e.g. an
EMBEDDINGS file of training captions). Both are read with
``torch.load(weights_only=True)``: a file holding code is refused.
"""
import os.path as osp
from typing import Any

import torch
from torch import Tensor

EMBEDDINGS_KEYS = ('text_embeds', 'video_embeds', 'text_to_video')
EMBEDDINGS_FORMAT = ('a torch.save dict with text_embeds [T, D], '
                     'video_embeds [V, F, D] and text_to_video [T], as '
                     'tools/test.py --dump-embeddings writes')


def read_tensor_file(path: str, what: str) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU; a missing,
    unreadable or code-holding file raises one sentence naming ``what`` and
    ``path``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} file {path} does not exist')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # on foreign bytes torch raises anything
        if 'GLOBAL' in str(err):  # weights-only reading refused an import
            raise ValueError(f'{what} file {path} holds code or objects '
                             f'other than tensors, numbers, strings, lists '
                             f'and dicts: refusing to load it') from None
        raise ValueError(f'{what} file {path} is not a torch.save file of '
                         f'tensors ({type(err).__name__} while reading it: '
                         f'a text file, or a damaged one?)') from None


def _check_tensor(path: str, embeds: dict, key: str, dims: int) -> Tensor:
    value = embeds[key]
    if not isinstance(value, Tensor) or value.dim() != dims:
        shape = tuple(value.shape) if isinstance(value, Tensor) else \
            type(value).__name__
        raise ValueError(f'{path}: {key} must be a {dims}-D tensor, got '
                         f'{shape}; expected {EMBEDDINGS_FORMAT}')
    return value


def _check_video_indices(path: str, text_to_video: Tensor, num_texts: int,
                         num_videos: int) -> Tensor:
    """``text_to_video`` as ``long`` after checking it is ``[T]`` integer
    indices of the ``V`` videos (a float tensor is an error, never
    truncated)."""
    if text_to_video.dtype.is_floating_point or text_to_video.is_complex() \
            or text_to_video.dtype == torch.bool:
        raise ValueError(f'{path}: text_to_video holds {text_to_video.dtype} '
                         f'values; it must hold integer video indices '
                         f'(save it as a long tensor)')
    if text_to_video.shape != (num_texts, ):
        raise ValueError(f'{path}: text_to_video has shape '
                         f'{tuple(text_to_video.shape)}, expected '
                         f'({num_texts},), one video index per caption')
    if num_texts and (text_to_video.min() < 0
                      or text_to_video.max() >= num_videos):
        raise ValueError(f'{path}: text_to_video must index the '
                         f'{num_videos} videos, got values in '
                         f'[{int(text_to_video.min())}, '
                         f'{int(text_to_video.max())}]')
    return text_to_video.long()


def _check_names(path: str, embeds: dict, key: str, count: int) -> None:
    """Optional ``texts`` / ``video_ids``: a list of ``count`` entries."""
    names = embeds.get(key)
    if names is not None and (not isinstance(names, (list, tuple))
                              or len(names) != count):
        found = len(names) if isinstance(names, (list, tuple)) else \
            type(names).__name__
        raise ValueError(f'{path}: {key} must list {count} entries, got '
                         f'{found}')


def load_embeddings(path: str) -> dict:
    """Read and check an EMBEDDINGS file (module docstring).

    Returns:
        The file's dict with ``text_embeds`` ``[T, D]`` and
        ``video_embeds`` ``[V, F, D]`` as float32 and ``text_to_video``
        ``[T]`` as long.
    """
    embeds = read_tensor_file(path, 'embeddings')
    if not isinstance(embeds, dict):
        raise ValueError(f'embeddings file {path} holds a '
                         f'{type(embeds).__name__}; expected '
                         f'{EMBEDDINGS_FORMAT}')
    missing = [k for k in EMBEDDINGS_KEYS if k not in embeds]
    if missing:
        raise ValueError(f'embeddings file {path} lacks {missing}; expected '
                         f'{EMBEDDINGS_FORMAT}')
    text = _check_tensor(path, embeds, 'text_embeds', 2)
    video = _check_tensor(path, embeds, 'video_embeds', 3)
    if text.shape[1] != video.shape[2]:
        raise ValueError(f'{path}: text_embeds {tuple(text.shape)} and '
                         f'video_embeds {tuple(video.shape)} must share the '
                         f'feature size D ([T, D] and [V, F, D])')
    text_to_video = _check_video_indices(
        path, _check_tensor(path, embeds, 'text_to_video', 1), len(text),
        len(video))
    _check_names(path, embeds, 'texts', len(text))
    _check_names(path, embeds, 'video_ids', len(video))
    embeds = dict(embeds)
    embeds.update(
        text_embeds=text.float(),
        video_embeds=video.float(),
        text_to_video=text_to_video)
    return embeds


def load_querybank(path: str) -> Tensor:
    """``[Q, D]`` querybank caption features (float32) from a
    ``torch.save`` file holding ``text_embeds``."""
    querybank = read_tensor_file(path, 'querybank')
    if not isinstance(querybank, dict) or 'text_embeds' not in querybank:
        raise ValueError(f'querybank file {path} must hold a dict with '
                         f'text_embeds [Q, D] (e.g. an embeddings file of '
                         f'training captions)')
    text = querybank['text_embeds']
    if not isinstance(text, Tensor) or text.dim() != 2 or not len(text):
        shape = tuple(text.shape) if isinstance(text, Tensor) else \
            type(text).__name__
        raise ValueError(f'querybank file {path}: text_embeds must be a '
                         f'non-empty [Q, D] tensor, got {shape}')
    return text.float()
