import pytest
import torch
from mmengine.config import Config

from tmass_mm.apis.run_setup import enable_amp


def test_amp_without_cuda_stops_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    with pytest.raises(SystemExit, match='--amp needs a CUDA GPU'):
        enable_amp(cfg)


def test_amp_with_cuda_uses_amp_optim_wrapper(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(
        dict(
            optim_wrapper=dict(
                type='OptimWrapper', clip_grad=dict(max_norm=1.0))))
    enable_amp(cfg)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.clip_grad.max_norm == 1.0
