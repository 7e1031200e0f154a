"""The ledger of the checkpoints a training run wrote itself.

``<work_dir>/checkpoint_ledger.json`` maps each checkpoint the run saved
(path relative to the work dir) to the sha256 of its bytes, the training
state it holds (``epoch``, ``iter``) and whether the validation of that
state completed. A file is the run's own when its digest is in the ledger;
only such files are unpickled fully, to resume (docs/reliability.md).
"""
import hashlib
import json
import os
import os.path as osp
from typing import Iterable, Optional

from .checkpoint import CheckpointError

LEDGER_FILE = 'checkpoint_ledger.json'


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: str) -> str:
    """The sha256 of a file, read in 16 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 24), b''):
            digest.update(block)
    return digest.hexdigest()


def read_ledger(folder: str) -> dict:
    """``{relative path: {'sha256', 'epoch', 'iter', 'validated'}}`` of
    ``folder``'s ledger; empty when there is none.

    Raises:
        CheckpointError: a ledger that is not such a JSON object.
    """
    path = osp.join(folder, LEDGER_FILE)
    if not osp.isfile(path):
        return {}
    try:
        with open(path) as f:
            ledger = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f'{path} is not a checkpoint ledger ({err}); '
                              f'delete it to stop trusting the checkpoints '
                              f'it listed') from None
    if not isinstance(ledger, dict) or not all(
            isinstance(v, dict) and 'sha256' in v for v in ledger.values()):
        raise CheckpointError(f'{path} is not a checkpoint ledger (expected '
                              f'{{path: {{"sha256": ...}}}}); delete it to '
                              f'stop trusting the checkpoints it listed')
    return ledger


def _write_ledger(folder: str, ledger: dict) -> None:
    """Replace the ledger atomically (a kill never leaves half a file)."""
    path = osp.join(folder, LEDGER_FILE)
    with open(path + '.tmp', 'w') as f:
        json.dump(ledger, f, indent=1, sort_keys=True)
    os.replace(path + '.tmp', path)


def record_checkpoint(work_dir: str, path: str, epoch: int,
                      iteration: int) -> None:
    """Add the file ``path``, just saved at training state
    ``(epoch, iteration)``, to ``work_dir``'s ledger (not validated)."""
    digest = sha256_of_file(path)
    ledger = {  # files the run deleted since (max_keep_ckpts) drop out
        name: entry
        for name, entry in read_ledger(work_dir).items()
        if osp.isfile(osp.join(work_dir, name))
    }
    ledger[osp.relpath(path, work_dir)] = dict(
        sha256=digest, epoch=epoch, iter=iteration, validated=False)
    _write_ledger(work_dir, ledger)


def mark_validated(work_dir: str, epoch: int, iteration: int) -> None:
    """Record that the validation of training state ``(epoch, iteration)``
    completed, on every checkpoint of ``work_dir`` saved at that state."""
    ledger = read_ledger(work_dir)
    saved_here = [
        entry for entry in ledger.values()
        if (entry.get('epoch'), entry.get('iter')) == (epoch, iteration)
    ]
    for entry in saved_here:
        entry['validated'] = True
    if saved_here:
        _write_ledger(work_dir, ledger)


def find_entry(digest: str, folders: Iterable[str]) -> Optional[dict]:
    """The ledger entry with this sha256 in the ledger of any of
    ``folders``, or ``None``."""
    for folder in dict.fromkeys(osp.realpath(f) for f in folders if f):
        for entry in read_ledger(folder).values():
            if entry['sha256'] == digest:
                return entry
    return None
