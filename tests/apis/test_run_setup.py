"""The tools' shared set-up: AMP, --data-root, warnings for cfg-options
nothing reads, and the checkpoint --test evaluates."""
import argparse
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

from tmass_mm.apis.run_setup import (add_runner_args, enable_amp,
                                     evaluate_selected_checkpoint,
                                     launched_world_size, load_run_config,
                                     runner_args, selected_checkpoint,
                                     unread_option_warnings)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LSMDC = osp.join(ROOT, 'configs', 'tmass_vitb32_lsmdc.py')
MSRVTT = osp.join(ROOT, 'configs', 'tmass',
                  'tmass_vit-b32_1xb32-12f-5e_msrvtt-9k.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_amp_without_cuda_stops_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    with pytest.raises(SystemExit, match='--amp needs a CUDA GPU'):
        enable_amp(cfg, 'bfloat16')


@pytest.mark.parametrize('dtype, loss_scale', [('float16', 'dynamic'),
                                               ('bfloat16', 1.0)])
def test_amp_with_cuda_uses_amp_optim_wrapper(monkeypatch, dtype, loss_scale):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(
        dict(
            optim_wrapper=dict(
                type='OptimWrapper', clip_grad=dict(max_norm=1.0))))
    enable_amp(cfg, dtype)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == dtype
    assert cfg.optim_wrapper.loss_scale == loss_scale
    assert cfg.optim_wrapper.clip_grad.max_norm == 1.0


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU machine')
def test_train_tool_refuses_bf16_amp_without_cuda(tmp_path):
    out = subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), LSMDC, '--amp-dtype', 'bfloat16',
        '--work-dir',
        str(tmp_path)
    ],
                         capture_output=True,
                         text=True)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == (
        '--amp needs a CUDA GPU: MMEngine\'s AmpOptimWrapper does not run on '
        'CPUs. Train without --amp on this machine.')


def run_args(config, *argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_runner_args(parser)
    return parser.parse_args([config, *argv])


@pytest.mark.parametrize('config', [LSMDC, MSRVTT])
def test_data_root_moves_every_split(config, monkeypatch):
    monkeypatch.setattr(runner_args, 'print_log', lambda *a, **k: None)
    cfg = load_run_config(run_args(config, '--data-root', '/data/elsewhere'))
    roots = [
        cfg[key].dataset.data_root for key in LOADERS if cfg[key] is not None
    ]
    assert roots == ['/data/elsewhere'] * (3 if config == LSMDC else 2)


def test_cfg_options_on_parsed_variables_warn_and_name_the_keys(monkeypatch):
    logged = []
    monkeypatch.setattr(runner_args, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    cfg = load_run_config(
        run_args(LSMDC, '--cfg-options', 'num_frames=6', 'data_root=/x',
                 'train_cfg.max_epochs=3', 'global_batch_size=16',
                 'select_on_test=True', 'num_frame=6'))
    assert len(logged) == 3
    num_frames, data_root, typo = logged
    assert num_frames.startswith('--cfg-options num_frames: ')
    for key in ('model.head.sampler.radius.num_frames',
                'train_dataloader.dataset.pipeline.0.num_frames',
                'val_dataloader.dataset.pipeline.0.num_frames',
                'test_dataloader.dataset.pipeline.0.num_frames'):
        assert key in num_frames
    for key in LOADERS:
        assert f'{key}.dataset.data_root' in data_root
    assert '--data-root' in data_root
    assert "no top-level 'num_frame'" in typo
    # the options were applied all the same; the read ones took effect
    assert cfg.num_frames == 6 and cfg.train_cfg.max_epochs == 3
    assert cfg.train_dataloader.dataset.pipeline[0].num_frames == 12


def test_variables_matched_by_value_are_offered_to_check():
    cfg = Config.fromfile(LSMDC)
    [new_module_lr,
     backbone_lr] = unread_option_warnings(cfg, {
         'new_module_lr': 2e-5,
         'backbone_lr': 2e-6
     })
    assert new_module_lr.endswith('Keys holding its value (check which you '
                                  'mean): optim_wrapper.optimizer.lr.')
    # only the ratio backbone_lr / new_module_lr is stored: no key to name
    assert backbone_lr.endswith('so the option has no effect.')
    assert unread_option_warnings(cfg, {'model.neck.dropout': 0.1}) == []


class FakeRunner:
    """What the selection reads from a Runner after ``train()``."""

    def __init__(self, **info):
        self.message_hub = MessageHub(f'selection-{id(self)}')
        for key, value in info.items():
            self.message_hub.update_info(key, value)
        self.loaded = []

    def load_checkpoint(self, path, strict):
        self.loaded.append((path, strict))

    def test(self):
        return dict(evaluated=self.loaded[-1][0])


def test_test_flag_evaluates_the_selected_checkpoint_once(monkeypatch):
    logged = []
    monkeypatch.setattr(
        'tmass_mm.apis.run_setup.checkpoint_selection.print_log',
        lambda msg, **kwargs: logged.append(msg))
    best = FakeRunner(
        best_ckpt='w/best_retrieval_t2v_R1_epoch_2.pth',
        last_ckpt='w/epoch_5.pth')
    assert evaluate_selected_checkpoint(best) == dict(
        evaluated='w/best_retrieval_t2v_R1_epoch_2.pth')
    assert best.loaded == [('w/best_retrieval_t2v_R1_epoch_2.pth', True)]
    assert logged == [
        '--test: evaluating the selected checkpoint '
        'w/best_retrieval_t2v_R1_epoch_2.pth'
    ]
    last = FakeRunner(last_ckpt='w/epoch_5.pth')  # no validation
    assert selected_checkpoint(last) == 'w/epoch_5.pth'
    with pytest.raises(RuntimeError, match='no checkpoint was saved'):
        selected_checkpoint(FakeRunner())


def test_world_size_comes_from_the_launcher(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '8')
    monkeypatch.setenv('SLURM_NTASKS', '4')
    assert launched_world_size('none') == 1
    assert launched_world_size('pytorch') == 8
    assert launched_world_size('slurm') == 4
    monkeypatch.delenv('WORLD_SIZE')
    with pytest.raises(SystemExit, match=r'\$WORLD_SIZE is not set'):
        launched_world_size('pytorch')
