"""An epoch killed during its validation is validated after resuming."""
import pytest
from demo_configs import small_demo_cfg
from mmengine.hooks import Hook

from tmass_mm.apis.run_setup import trust_run_checkpoints
from tmass_mm.engine.ledger_runner import CheckpointLedgerRunner
from tmass_mm.utils.checkpoint_ledger import read_ledger


class Killed(Exception):
    pass


class Validations(Hook):
    """Counts completed validations; optionally kills the first one."""

    def __init__(self, kill=False):
        self.kill, self.epochs = kill, []

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.kill:
            raise Killed()

    def after_val_epoch(self, runner, metrics=None):
        self.epochs.append(runner.epoch)


def run(cfg, name, resume, validations):
    cfg = cfg.copy()
    cfg.experiment_name, cfg.resume = name, resume
    trust_run_checkpoints(cfg)
    runner = CheckpointLedgerRunner.from_cfg(cfg)
    runner.register_hook(validations)
    runner.train()


def test_validation_killed_is_run_after_resume(tmp_path):
    cfg = small_demo_cfg(tmp_path, epochs=1)
    cfg.val_dataloader.dataset.num_videos = 4
    work = tmp_path / 'work'
    with pytest.raises(Killed):
        run(cfg, 'killed', False, Validations(kill=True))
    assert read_ledger(str(work))['epoch_1.pth']['validated'] is False
    assert not list(work.glob('best_*.pth'))

    resumed = Validations()
    run(cfg, 'resumed', True, resumed)
    assert resumed.epochs == [1]  # before training would have continued
    assert (work / 'best_retrieval_t2v_R1_epoch_1.pth').is_file()
    ledger = read_ledger(str(work))
    assert ledger['epoch_1.pth']['validated'] is True
    assert ledger['best_retrieval_t2v_R1_epoch_1.pth']['validated'] is True

    again = Validations()  # a completed validation is not repeated
    run(cfg, 'again', True, again)
    assert again.epochs == []
