"""A run killed mid-epoch and resumed ends with the uninterrupted weights."""
import pytest
import torch
from demo_configs import small_demo_cfg
from mmengine.hooks import Hook
from mmengine.runner import Runner

from tmass_mm.apis.run_setup import trust_run_checkpoints
from tmass_mm.engine.ledger_runner import CheckpointLedgerRunner


class Killed(Exception):
    pass


class KillAt(Hook):
    """Raises at (epoch, iteration): a crash mid-epoch."""

    def __init__(self, epoch, inner_iter):
        self.epoch, self.inner_iter = epoch, inner_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.epoch == self.epoch and batch_idx == self.inner_iter:
            raise Killed()


def train(cfg, name, resume=False, kill=None):
    cfg = cfg.copy()
    cfg.experiment_name = name
    cfg.resume = resume
    trust_run_checkpoints(cfg)  # what tools/train.py does
    runner = CheckpointLedgerRunner.from_cfg(cfg)
    if kill:
        runner.register_hook(KillAt(*kill))
    runner.train()
    return runner.model.state_dict()


def test_kill_and_resume_gives_the_same_weights(tmp_path):
    cfg = small_demo_cfg(tmp_path, epochs=2)
    cfg.train_cfg.val_interval = 10  # no validation: only training matters
    # a worker process decodes and augments ('rand' frame sampling)
    cfg.train_dataloader.num_workers = 1
    straight = cfg.copy()
    straight.work_dir = str(tmp_path / 'straight')
    expected = train(straight, 'straight')

    cfg.work_dir = str(tmp_path / 'killed')
    with pytest.raises(Killed):
        train(cfg, 'killed', kill=(1, 1))  # second epoch, second batch
    resumed = train(cfg, 'resumed', resume=True)
    for name, value in expected.items():
        assert torch.equal(resumed[name], value), name
    # the run did change the weights (the test would pass vacuously if not)
    initial = Runner.from_cfg(
        dict(
            small_demo_cfg(tmp_path / 'init', epochs=2),
            experiment_name='init')).model.state_dict()
    assert not torch.equal(initial['neck.q_proj.weight'],
                           expected['neck.q_proj.weight'])
