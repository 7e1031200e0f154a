"""tools/train.py end to end on the shrunk demo: --data-root moves every
split, select_on_test validates on the test split with a warning, and --test
evaluates the checkpoint validation selected, saying which."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / 'configs' / 'demo' / 'tmass_tiny_synthetic.py'
SHRINK = [
    'train_dataloader.dataset.num_videos=16',
    'train_dataloader.dataset.captions_per_video=1',
    'test_dataloader.dataset.num_videos=8', 'train_cfg.max_epochs=2',
    'model.head.num_trials=3', 'default_hooks.logger.interval=1'
] + [
    f'{loader}.{key}' for loader in ('train_dataloader', 'test_dataloader')
    for key in ('num_workers=0', 'batch_size=8', 'dataset.frame_size=32',
                'dataset.frames_per_video=4')
] + ['test_dataloader.persistent_workers=False']


def test_select_on_test_and_test_flag(tmp_path):
    out = subprocess.run([
        sys.executable,
        str(REPO / 'tools' / 'train.py'),
        str(DEMO), '--test', '--work-dir',
        str(tmp_path / 'work'), '--data-root',
        str(tmp_path / 'data'), '--cfg-options', *SHRINK, 'select_on_test=True'
    ],
                         env=dict(
                             os.environ,
                             PYTHONPATH=os.pathsep.join(
                                 [str(REPO),
                                  os.environ.get('PYTHONPATH', '')])),
                         capture_output=True,
                         text=True,
                         timeout=900)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'select_on_test=True: the best checkpoint is chosen' in log
    assert 'Epoch(val) [2]' in log
    [best] = (tmp_path / 'work').glob('best_retrieval_t2v_R1_epoch_*.pth')
    assert f'--test: evaluating the selected checkpoint {best}' in log
    assert len([
        line for line in log.splitlines()
        if 'Epoch(test)' in line and 'retrieval/t2v/R1' in line
    ]) == 1  # evaluated once
    # validation read the test gallery: no 'val' split was generated, and
    # every split went under --data-root
    assert sorted(p.name
                  for p in (tmp_path / 'data').iterdir()) == ['test', 'train']
