"""``tools/train.py`` ends with one line on a refused resume and on Ctrl-C.
"""
import os
import runpy
import sys

import pytest
import torch
from demo_configs import ROOT, small_demo_cfg

from tmass_mm.engine.ledger_runner import CheckpointLedgerRunner

TOOL = os.path.join(ROOT, 'tools', 'train.py')


def run_tool(monkeypatch, *args) -> str:
    """``tools/train.py ARGS`` in this process; returns its exit message."""
    monkeypatch.setattr(sys, 'argv', [TOOL, *map(str, args)])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(TOOL, run_name='__main__')
    return str(exit_.value.code)


@pytest.fixture
def config(tmp_path):
    path = str(tmp_path / 'demo_small.py')
    small_demo_cfg(tmp_path, epochs=1).dump(path)
    return path


def test_resume_from_a_downloaded_file_is_refused(tmp_path, monkeypatch,
                                                  config):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    path = work_dir / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict={}), path)
    (work_dir / 'last_checkpoint').write_text(str(path))
    message = run_tool(monkeypatch, config, '--work-dir', work_dir, '--resume')
    assert message.startswith(
        f'tools/train.py: refusing to resume from {path}: no tmass_mm run '
        f'wrote it')


def test_ctrl_c_ends_with_one_line(tmp_path, monkeypatch, config):

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(CheckpointLedgerRunner, 'train', interrupted)
    assert run_tool(monkeypatch, config, '--work-dir', tmp_path / 'w') == \
        'tools/train.py: interrupted (Ctrl-C); continue with --resume'
