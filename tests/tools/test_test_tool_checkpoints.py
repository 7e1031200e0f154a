"""``tools/test.py`` refuses checkpoints that would give meaningless metrics
or run code, with one line naming the file (docs/reliability.md)."""
import copy
import os
import re
import runpy
import subprocess
import sys

import pytest
import torch
from demo_configs import ROOT, small_demo_cfg
from mmengine.runner import Runner

from tmass_mm.apis import build_retriever, model_loading

TOOL = os.path.join(ROOT, 'tools', 'test.py')


class Evil:
    """The repro of the issue: unpickling runs ``touch MARKER``."""

    def __reduce__(self):
        return os.system, ('touch MARKER', )


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A tiny demo config file and the state dicts of its model, of a model
    with one vision layer less and of one with 6-frame radius."""
    tmp_path = tmp_path_factory.mktemp('test_tool')
    cfg = small_demo_cfg(tmp_path, epochs=1)
    cfg.test_dataloader.dataset.num_videos = 4
    config = str(tmp_path / 'demo_small.py')
    cfg.dump(config)
    fewer_layers = copy.deepcopy(cfg)
    fewer_layers.model.backbone.model_cfg.vision_cfg.layers = 1
    six_frames = copy.deepcopy(cfg)
    six_frames.model.head.sampler.radius.num_frames = 6
    return dict(
        config=config,
        work_dir=tmp_path / 'work',
        full=build_retriever(cfg).state_dict(),
        fewer_layers=build_retriever(fewer_layers).state_dict(),
        six_frames=build_retriever(six_frames).state_dict())


def save(path, state):
    torch.save(dict(meta={}, state_dict=state), path)
    return str(path)


def run_tool(monkeypatch, *args):
    """``tools/test.py ARGS`` in this process; returns its exit message."""
    monkeypatch.setattr(sys, 'argv', [TOOL, *map(str, args)])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(TOOL, run_name='__main__')
    return str(exit_.value.code)


def test_code_in_a_work_dir_checkpoint_does_not_run(setup, tmp_path):
    work_dir = tmp_path / 'work_dirs' / 'demo_small'
    work_dir.mkdir(parents=True)
    path = work_dir / 'release.pth'
    torch.save({'state_dict': {'x': Evil()}}, path)
    command = [sys.executable, TOOL, setup['config'], str(path)]
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    done = subprocess.run(
        command + ['--work-dir', str(work_dir)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert not (tmp_path / 'MARKER').exists()
    assert not (work_dir / 'MARKER').exists()
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line == (
        f'tools/test.py: {path} holds code, not only tensors (it refers to '
        f'posix.system): refusing to load it; nothing in it was run')
    assert 'Traceback' not in done.stderr
    assert 'weights_only' not in done.stderr


@pytest.mark.parametrize('case, message', [
    ('unrelated', r'lacks \d+ weights the model needs .*backbone\.clip\.'),
    ('fewer_layers', r'lacks \d+ weights .*visual\.transformer\.resblocks\.1'),
    ('six_frames', r'does not match the config: head\.sampler\.radius_module'
     r'\.linear\.weight: checkpoint \(64, 6\) vs model \(64, 4\)'),
    ('text', 'is not a checkpoint written by torch.save'),
    ('random', 'is not a checkpoint written by torch.save'),
])
def test_checkpoints_that_do_not_set_the_model(setup, tmp_path, monkeypatch,
                                               case, message):
    path = tmp_path / f'{case}.pth'
    if case == 'unrelated':
        save(path, {'fc.weight': torch.zeros(3, 3)})
    elif case == 'text':
        path.write_text('epoch 3 loss 0.25\n' * 10)
    elif case == 'random':
        path.write_bytes(bytes(range(7, 256)) * 9)
    else:
        save(path, setup[case])
    exit_message = run_tool(monkeypatch, setup['config'], path, '--work-dir',
                            setup['work_dir'])
    assert exit_message.startswith(f'tools/test.py: {path}')
    assert '\n' not in exit_message
    assert re.search(message, exit_message)
    assert not (setup['work_dir'] / 'test_metrics.json').exists()


def test_allow_partial_loads_what_matches_and_warns(setup, tmp_path,
                                                    monkeypatch):
    # recorded where it is logged: MMEngine's loggers are per-timestamp
    # singletons, so a runner built in the same second by another test
    # would write this run's log file into that test's work dir
    warnings = []
    monkeypatch.setattr(model_loading, 'print_log',
                        lambda msg, **kwargs: warnings.append(msg))
    path = save(tmp_path / 'fewer_layers.pth', setup['fewer_layers'])
    work_dir = tmp_path / 'partial'
    monkeypatch.setattr(sys, 'argv', [
        TOOL, setup['config'], path, '--work-dir',
        str(work_dir), '--allow-partial'
    ])
    runpy.run_path(TOOL, run_name='__main__')
    assert (work_dir / 'test_metrics.json').is_file()
    partial = [w for w in warnings if w.startswith('PARTIAL LOAD')]
    assert len(partial) == 1
    assert f'PARTIAL LOAD (--allow-partial) of {path}' in partial[0]
    assert 'do not measure the checkpoint' in partial[0]


def test_ctrl_c_ends_with_one_line(setup, tmp_path, monkeypatch):

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Runner, 'test', interrupted)
    path = save(tmp_path / 'full.pth', setup['full'])
    assert run_tool(monkeypatch, setup['config'], path, '--work-dir',
                    tmp_path / 'ctrl_c') == \
        'tools/test.py: interrupted (Ctrl-C); nothing was written'
