"""Which checkpoints a run unpickles fully (``trusted_checkpoints``)."""
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from tmass_mm.utils.checkpoint import CheckpointError, Placeholder
from tmass_mm.utils.checkpoint_ledger import (LEDGER_FILE, read_ledger,
                                              record_checkpoint)
from tmass_mm.utils.trusted_checkpoints import trust_run_checkpoints


class TouchesAMarker:
    """Unpickling this creates ``path`` through ``os.system``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f'touch {self.path}', )


def save_training_checkpoint(path, **extra):
    torch.save(
        dict(
            meta=dict(epoch=1, seed=np.int64(3)),
            state_dict=dict(w=torch.arange(3.0)),
            message_hub=dict(log_scalars=dict(loss=HistoryBuffer())),
            **extra), path)
    return str(path)


def run_cfg(work_dir, resume=False, load_from=None) -> Config:
    return Config(
        dict(work_dir=str(work_dir), resume=resume, load_from=load_from))


def load_as_runner(path):
    """What MMEngine's Runner does to read a checkpoint."""
    return CheckpointLoader.load_checkpoint(str(path))


def test_recorded_checkpoint_resumes_with_its_real_objects(tmp_path):
    path = save_training_checkpoint(tmp_path / 'epoch_1.pth')
    record_checkpoint(str(tmp_path), path, epoch=1, iteration=4)
    assert read_ledger(str(tmp_path))['epoch_1.pth']['validated'] is False
    with open(tmp_path / 'last_checkpoint', 'w') as f:
        f.write(path)
    trust_run_checkpoints(run_cfg(tmp_path, resume=True))
    resumed = load_as_runner(path)
    assert isinstance(resumed['message_hub']['log_scalars']['loss'],
                      HistoryBuffer)
    # any later reading of the same file is weights-only again
    again = load_as_runner(path)
    assert isinstance(again['message_hub']['log_scalars']['loss'], Placeholder)


def test_files_in_the_work_dir_are_read_weights_only(tmp_path):
    """``--work-dir .`` does not make a downloaded file trusted."""
    path = save_training_checkpoint(tmp_path / 'release.pth')
    trust_run_checkpoints(run_cfg(tmp_path, load_from=path))
    loaded = load_as_runner(path)
    assert isinstance(loaded['message_hub']['log_scalars']['loss'],
                      Placeholder)
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.0))


@pytest.mark.parametrize('how', ['path', 'pointer', 'changed', 'code'])
def test_resume_from_a_file_the_run_did_not_write_is_refused(tmp_path, how):
    marker = tmp_path / 'MARKER'
    path = save_training_checkpoint(
        tmp_path / 'epoch_3.pth',
        payload=TouchesAMarker(marker) if how == 'code' else None)
    if how == 'changed':  # recorded, then replaced by another file
        record_checkpoint(str(tmp_path), path, 3, 12)
        save_training_checkpoint(path, note='other')
    if how == 'path':
        cfg = run_cfg(tmp_path, resume=True, load_from=path)
    else:
        cfg = run_cfg(tmp_path, resume=True)
        with open(tmp_path / 'last_checkpoint', 'w') as f:
            f.write(path)
    with pytest.raises(CheckpointError) as error:
        trust_run_checkpoints(cfg)
    message = str(error.value)
    assert message.startswith(f'refusing to resume from {path}')
    assert LEDGER_FILE in message and '\n' not in message
    assert not marker.exists()


def test_pointer_to_a_missing_file(tmp_path):
    with open(tmp_path / 'last_checkpoint', 'w') as f:
        f.write(str(tmp_path / 'gone.pth'))
    with pytest.raises(CheckpointError, match='gone.pth.*does not exist'):
        trust_run_checkpoints(run_cfg(tmp_path, resume=True))


def test_load_from_holding_code_is_refused(tmp_path):
    marker = tmp_path / 'MARKER'
    path = save_training_checkpoint(
        tmp_path / 'epoch_1.pth', payload=TouchesAMarker(marker))
    record_checkpoint(str(tmp_path), path, 1, 4)  # no trust for load_from
    with pytest.raises(CheckpointError, match='holds code'):
        trust_run_checkpoints(run_cfg(tmp_path, load_from=path))
    assert not marker.exists()


def test_a_broken_ledger_is_named(tmp_path):
    (tmp_path / LEDGER_FILE).write_text('{"epoch_1.pth": 3}')
    path = save_training_checkpoint(tmp_path / 'epoch_1.pth')
    with pytest.raises(CheckpointError, match=f'{LEDGER_FILE} is not a'):
        trust_run_checkpoints(run_cfg(tmp_path, resume=True, load_from=path))
