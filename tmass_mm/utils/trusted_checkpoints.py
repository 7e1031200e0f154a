"""MMEngine's loader for local checkpoints, made to work on torch >= 2.6.

``torch.load`` now defaults to ``weights_only=True`` and MMEngine's training
checkpoints pickle ``HistoryBuffer`` and numpy objects, so ``--resume`` and
``load_from`` fail out of the box. The Runner's local loader is replaced by
:func:`load_local_checkpoint`:

- files in a folder the user trusts (the run's work dir, a path named with
  ``--resume``) are unpickled fully, since resuming needs the real message
  hub;
- every other file goes through :func:`load_checkpoint_file`'s weights-only
  reading, non-tensor objects replaced by inert placeholders (enough for
  ``load_from``, which only takes the weights).
"""
import os
import os.path as osp
from typing import Iterable, List

from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint import load_checkpoint_file

_TRUSTED: List[str] = []


def trust_checkpoints_under(paths: Iterable[str]) -> None:
    """Trust checkpoints in or at these paths, and install
    :func:`load_local_checkpoint` as MMEngine's loader for local files."""
    for path in paths:
        if path:
            _TRUSTED.append(osp.realpath(osp.expanduser(path)))
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)


def is_trusted(filename: str) -> bool:
    real = osp.realpath(filename)
    return any(real == root or real.startswith(root + os.sep)
               for root in _TRUSTED)


def load_local_checkpoint(filename: str, map_location=None) -> dict:
    """Read a local checkpoint by the policy above (tensors on the CPU;
    the Runner moves them where they belong)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_checkpoint_file(filename, trusted=is_trusted(filename))
