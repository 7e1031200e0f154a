"""Which checkpoint files a run unpickles fully, and MMEngine's loader for
local files (docs/reliability.md).

- Every file the Runner reads (``load_from``, ``init_cfg`` checkpoints) is
  read weights-only
  (:func:`~tmass_mm.utils.checkpoint.load_checkpoint_file`), wherever it
  lies: the work dir is not a trusted place.
- Resuming needs the real message hub, optimizer and scheduler states, so the
  file resumed from (``--resume PATH``, or the one the work dir's
  ``last_checkpoint`` pointer names) is unpickled fully, but only if it is
  the run's own: its sha256 is in the checkpoint ledger of the work dir or of
  its own folder (:mod:`tmass_mm.utils.checkpoint_ledger`, kept by
  :class:`~tmass_mm.engine.ledger_runner.CheckpointLedgerRunner`). Any
  other file is refused with one line, before anything in it runs.

:func:`trust_run_checkpoints` reads the file the Runner will load on every
rank before the Runner is built (all ranks fail together), and installs
:func:`load_local_checkpoint`, which hands it over, as MMEngine's loader.
"""
import io
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint import (CheckpointError, load_checkpoint_file,
                         read_checkpoint_bytes)
from .checkpoint_ledger import LEDGER_FILE, find_entry, sha256_of
from .rank_agreement import run_on_every_rank

POINTER_FILE = 'last_checkpoint'

# Checkpoints read by trust_run_checkpoints, by real path, until the Runner
# asks for them.
_READ_AHEAD: Dict[str, object] = {}


def resume_target(cfg) -> Optional[str]:
    """The file a run with this config resumes from: ``load_from`` when
    ``resume`` is set, else the one ``<work_dir>/last_checkpoint`` names;
    ``None`` when not resuming or there is nothing to resume (a fresh
    start, as in MMEngine).

    Raises:
        CheckpointError: a pointer naming a file that does not exist.
    """
    if not cfg.get('resume'):
        return None
    if cfg.get('load_from'):
        return cfg.load_from
    pointer = osp.join(cfg.work_dir, POINTER_FILE)
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        target = f.read().strip()
    if not osp.isfile(target):
        raise CheckpointError(f'cannot resume: {pointer} names {target!r}, '
                              f'which does not exist; pass --resume PATH '
                              f'or delete the pointer to start afresh')
    return target


def load_resumable(path: str, work_dir: str) -> dict:
    """Unpickle ``path`` fully if a ledger records its sha256.

    The bytes hashed are the bytes unpickled, so the file cannot change in
    between.

    Raises:
        CheckpointError: the file is not the run's own.
    """
    data = read_checkpoint_bytes(path)
    folders = (work_dir, osp.dirname(osp.abspath(path)))
    if find_entry(sha256_of(data), folders) is None:
        raise CheckpointError(
            f'refusing to resume from {path}: no tmass_mm run wrote it (its '
            f'sha256 is in no {LEDGER_FILE} of {work_dir} or of its '
            f'folder), and resuming would run its pickled code; to start '
            f'from its weights alone use load_from (read weights-only)')
    return torch.load(io.BytesIO(data), map_location='cpu', weights_only=False)


def trust_run_checkpoints(cfg) -> None:
    """Check, on every rank, the checkpoint the Runner of ``cfg`` will load
    (resume target or ``load_from``) and install
    :func:`load_local_checkpoint` as MMEngine's loader for local files.

    Raises:
        CheckpointError, FileNotFoundError: on every rank when any rank
            refuses the file.
    """
    _READ_AHEAD.clear()
    target = run_on_every_rank(lambda: resume_target(cfg), (CheckpointError, ))
    if target is not None:
        path, read = target, lambda: load_resumable(target, cfg.work_dir)
    elif cfg.get('load_from'):
        path, read = cfg.load_from, lambda: load_checkpoint_file(path)
    else:
        path = None
    if path is not None:
        _READ_AHEAD[osp.realpath(path)] = run_on_every_rank(
            read, (CheckpointError, FileNotFoundError))
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)


def load_local_checkpoint(filename: str, map_location=None) -> object:
    """MMEngine's loader for local files: the file checked by
    :func:`trust_run_checkpoints`, else a weights-only reading (tensors on
    the CPU; the Runner moves them where they belong)."""
    filename = osp.expanduser(filename)
    read_ahead = _READ_AHEAD.pop(osp.realpath(filename), None)
    if read_ahead is not None:
        return read_ahead
    return load_checkpoint_file(filename)
