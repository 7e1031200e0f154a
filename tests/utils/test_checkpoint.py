"""Weights-only checkpoint reading (``tmass_mm.utils.checkpoint``)."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from tmass_mm.utils.checkpoint import (CheckpointError, Placeholder,
                                       load_checkpoint_file,
                                       load_state_dict_file)

STATE = {
    'neck.linear.weight': torch.randn(3, 3),
    'head.bias': torch.arange(4.0)
}


class LeavesATrace:
    """Unpickling this creates the directory ``path``, the way a crafted
    file would run any other code: through ``os.makedirs`` (a module the
    weights-only unpickler blocks outright) or ``exec`` (a global it merely
    does not allow)."""

    def __init__(self, path, through='exec'):
        self.path, self.through = path, through

    def __reduce__(self):
        if self.through == 'os':
            return os.makedirs, (self.path, )
        return exec, (f'import os; os.makedirs({self.path!r})', )


def training_checkpoint(**extra) -> dict:
    """What MMEngine's Runner saves, besides the weights."""
    return dict(
        meta=dict(epoch=1, mmengine_version='0.10.7'),
        state_dict=dict(STATE),
        message_hub=dict(
            log_scalars={'train/loss': history()},
            runtime_info={'eta': np.float64(3.5)}),
        optimizer=dict(state={}, param_groups=[]),
        **extra)


def history() -> HistoryBuffer:
    buffer = HistoryBuffer()
    buffer.update(1.0)
    buffer.update(2.0)
    return buffer


def assert_same_state(state):
    assert state.keys() == STATE.keys()
    for key, value in STATE.items():
        torch.testing.assert_close(state[key], value)


def test_plain_checkpoint(tmp_path):
    torch.save(dict(meta={}, state_dict=STATE), tmp_path / 'a.pth')
    report = []
    assert_same_state(load_state_dict_file(tmp_path / 'a.pth', report=report))
    assert report == []
    torch.save(STATE, tmp_path / 'bare.pth')
    assert_same_state(load_state_dict_file(tmp_path / 'bare.pth'))
    torch.save({
        f'module.{k}': v
        for k, v in STATE.items()
    }, tmp_path / 'ddp.pth')
    assert_same_state(load_state_dict_file(tmp_path / 'ddp.pth'))


def test_mmengine_training_checkpoint(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save(training_checkpoint(), path)
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)
    report = []
    checkpoint = load_checkpoint_file(path, report=report)
    assert_same_state(checkpoint['state_dict'])
    assert checkpoint['meta']['epoch'] == 1
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, Placeholder)
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in report


@pytest.mark.parametrize('through', ['exec', 'os'])
def test_crafted_object_is_refused_and_does_not_run(tmp_path, through):
    marker = tmp_path / 'created_by_the_pickle'
    path = tmp_path / 'crafted.pth'
    torch.save(
        training_checkpoint(payload=LeavesATrace(str(marker), through)), path)
    name = 'builtins.exec' if through == 'exec' else 'os.makedirs'
    with pytest.raises(CheckpointError) as error:
        load_state_dict_file(path)
    message = str(error.value)
    assert message.startswith(f'{path} holds code, not only tensors')
    assert name in message and '\n' not in message
    assert 'weights_only' not in message
    assert not marker.exists()


def test_non_tensor_weights_are_an_error(tmp_path):
    state = dict(STATE, extra=history())
    torch.save(dict(meta={}, state_dict=state), tmp_path / 'bad.pth')
    with pytest.raises(CheckpointError, match='non-tensor'):
        load_state_dict_file(tmp_path / 'bad.pth')


@pytest.mark.parametrize('content, problem', [
    (b'epoch 3: loss 0.25\n' * 8, 'not a checkpoint written by torch.save'),
    (os.urandom(4096), 'not a checkpoint written by torch.save'),
    (b'', 'an empty file'),
])
def test_files_torch_did_not_write(tmp_path, content, problem):
    path = tmp_path / 'model.pth'
    path.write_bytes(content.replace(b'PK', b'pk'))
    with pytest.raises(CheckpointError) as error:
        load_checkpoint_file(path)
    message = str(error.value)
    assert message.startswith(str(path)) and problem in message
    assert 'weights_only' not in message and 're-save' not in message


def test_truncated_checkpoint_is_damaged(tmp_path):
    path = tmp_path / 'cut.pth'
    torch.save(dict(state_dict=STATE), path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CheckpointError, match=f'{path} is damaged'):
        load_checkpoint_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        load_checkpoint_file(tmp_path / 'absent.pth')
