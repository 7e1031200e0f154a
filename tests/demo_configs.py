"""The bundled demo config, shrunk for tests."""
import os.path as osp

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = osp.join(ROOT, 'configs', 'demo', 'tmass_tiny_synthetic.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def small_demo_cfg(tmp_path, epochs: int = 2) -> Config:
    """The demo config with a handful of videos, short epochs, no worker
    processes; data and outputs under ``tmp_path``."""
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(tmp_path / 'work')
    for key in LOADERS:
        loader = cfg[key]
        loader.batch_size = 8
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = str(tmp_path / 'data')
        loader.dataset.frame_size = 32
        loader.dataset.frames_per_video = 4
    cfg.train_dataloader.dataset.num_videos = 16
    cfg.train_dataloader.dataset.captions_per_video = 1
    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].dataset.num_videos = 8
    cfg.train_cfg.max_epochs = epochs
    cfg.model.head.num_trials = 3
    cfg.default_hooks.logger.interval = 1
    return cfg
