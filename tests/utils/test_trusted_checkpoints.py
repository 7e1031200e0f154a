import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from tmass_mm.utils.checkpoint import Placeholder
from tmass_mm.utils.trusted_checkpoints import (load_local_checkpoint,
                                                trust_checkpoints_under)


def save_training_checkpoint(path):
    torch.save(
        {
            'meta': {
                'epoch': 1,
                'seed': np.int64(3)
            },
            'state_dict': {
                'w': torch.arange(3.0)
            },
            'message_hub': {
                'log_scalars': {
                    'loss': HistoryBuffer()
                }
            }
        }, path)


def test_work_dir_checkpoints_unpickle_fully_others_get_placeholders(tmp_path):
    work_dir, elsewhere = tmp_path / 'work', tmp_path / 'downloads'
    work_dir.mkdir()
    elsewhere.mkdir()
    save_training_checkpoint(work_dir / 'epoch_1.pth')
    save_training_checkpoint(elsewhere / 'epoch_1.pth')
    trust_checkpoints_under([str(work_dir)])
    # MMEngine's own loading (load_from / resume) now goes through the policy
    own = CheckpointLoader.load_checkpoint(str(work_dir / 'epoch_1.pth'))
    assert isinstance(own['message_hub']['log_scalars']['loss'], HistoryBuffer)
    foreign = load_local_checkpoint(str(elsewhere / 'epoch_1.pth'))
    assert isinstance(foreign['message_hub']['log_scalars']['loss'],
                      Placeholder)
    assert torch.equal(foreign['state_dict']['w'], torch.arange(3.0))
