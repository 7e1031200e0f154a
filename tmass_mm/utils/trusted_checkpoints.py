"""Checkpoint loading policy on torch >= 2.6.

``torch.load`` now defaults to ``weights_only=True``; MMEngine's training
checkpoints pickle ``HistoryBuffer`` and numpy objects, so resuming fails.
Allow-listing them would need ``builtins.getattr``, which is not safe either.
The policy here:

- every local checkpoint is first read with ``weights_only=True`` (CLIP
  weights, converted official T-MASS files and plain state dicts pass);
- only files under a folder the user trusts (the run's work dir, or a path
  given explicitly with ``--resume``/``--checkpoint``) may fall back to full
  unpickling; any other file that needs it is refused with an error that
  says why.
"""
import os
import os.path as osp
import pickle
from typing import Iterable, List

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_TRUSTED: List[str] = []


def trust_checkpoints_under(paths: Iterable[str]) -> None:
    """Allow full unpickling of checkpoints in or at these paths, and make
    this policy MMEngine's loader for local files."""
    for path in paths:
        if path:
            _TRUSTED.append(osp.realpath(osp.expanduser(path)))
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint,
                                     force=True)


def _is_trusted(filename: str) -> bool:
    real = osp.realpath(filename)
    return any(real == root or real.startswith(root + os.sep)
               for root in _TRUSTED)


def load_local_checkpoint(filename: str, map_location=None):
    """MMEngine's local-file loader with the policy above."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        if not _is_trusted(filename):
            raise RuntimeError(
                f'{filename} holds pickled objects beyond tensors and cannot '
                'be read with weights_only=True. Only checkpoints in the work '
                'dir or named with --resume are unpickled fully; if you trust '
                'this file, pass it with --resume or copy it into the work '
                'dir.') from error
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
