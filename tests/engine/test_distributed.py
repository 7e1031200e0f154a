"""Two CPU processes (torchrun, gloo) train and test like one process."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from demo_configs import ROOT, small_demo_cfg


def run(args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def torchrun(script, *args):
    return [
        sys.executable, '-m', 'torch.distributed.run', '--standalone',
        '--nproc_per_node=2',
        osp.join(ROOT, 'tools', script), *args, '--launcher', 'pytorch'
    ]


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='exercises the CPU gloo path')
def test_two_process_train_and_test_match_one_process(tmp_path):
    cfg = small_demo_cfg(tmp_path, epochs=1)
    # 4-video blocks: the scoring of the 8 test videos is split across ranks
    cfg.val_evaluator.videos_per_block = 4
    cfg.test_evaluator.videos_per_block = 4
    config = str(tmp_path / 'demo_small.py')
    cfg.dump(config)

    run(torchrun('train.py', config, '--work-dir', str(tmp_path / 'ddp')),
        cwd=tmp_path)
    checkpoint = str(tmp_path / 'ddp' / 'epoch_1.pth')
    assert osp.isfile(checkpoint)

    run(torchrun('test.py', config, checkpoint, '--work-dir',
                 str(tmp_path / 'test2')),
        cwd=tmp_path)
    run([
        sys.executable,
        osp.join(ROOT, 'tools', 'test.py'), config, checkpoint, '--work-dir',
        str(tmp_path / 'test1'), '--dump-embeddings',
        str(tmp_path / 'embeds.pth')
    ],
        cwd=tmp_path)

    with open(tmp_path / 'test2' / 'test_metrics.json') as f:
        two = json.load(f)
    with open(tmp_path / 'test1' / 'test_metrics.json') as f:
        one = json.load(f)
    assert set(one) == {'t2v', 'v2t'}
    assert set(one['t2v']) == {'R1', 'R5', 'R10', 'R50', 'MdR', 'MnR'}
    for direction in one:
        for name, value in one[direction].items():
            assert two[direction][name] == pytest.approx(value, abs=1e-6)
    embeds = torch.load(tmp_path / 'embeds.pth', weights_only=True)
    assert embeds['video_embeds'].shape[0] == 8
    assert embeds['text_to_video'].tolist() == list(range(8))
