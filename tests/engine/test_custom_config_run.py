"""The own-videos recipe trains, validates and tests from one csv file."""
import copy
import csv
import json
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner
from tiny_models import TINY_CLIP_CFG, TINY_EMBED_DIM

from tmass_mm.demo import ShapeSplit

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CUSTOM = osp.join(ROOT, 'configs', 'custom',
                  'tmass_vit-b32_1xb32-12f-5e_custom.py')
NUM_FRAMES = 4


def write_own_videos(root) -> dict:
    """Moving-shape videos in sub-folders and one csv naming their splits;
    returns ``{split: number of videos}``."""
    shapes = ShapeSplit(
        str(root / 'render'),
        'all',
        num_videos=14,
        captions_per_video=2,
        seed=0,
        frame_size=32,
        frames_per_video=NUM_FRAMES,
        fps=4.0)
    shapes.generate_missing()
    splits = ['train'] * 8 + ['val'] * 3 + ['test'] * 3
    with open(shapes.ann_file) as f:
        entries = json.load(f)
    with open(root / 'annotations.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['video', 'caption', 'split'])
        for entry, split in zip(entries, splits):
            # training videos keep both captions, galleries one
            for caption in entry['captions'][:2 if split == 'train' else 1]:
                writer.writerow(
                    [f'all/videos/{entry["video"]}', caption, split])
    return {split: splits.count(split) for split in set(splits)}


def tiny_custom_cfg(tmp_path) -> Config:
    cfg = Config.fromfile(CUSTOM)
    cfg.work_dir = str(tmp_path / 'work')
    model = cfg.model
    model.backbone.model_cfg = copy.deepcopy(TINY_CLIP_CFG)
    model.backbone.pretrained = None
    model.neck.embed_dim = TINY_EMBED_DIM
    model.head.sampler.radius.update(
        num_frames=NUM_FRAMES, embed_dim=TINY_EMBED_DIM)
    model.head.num_trials = 3
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.batch_size = 4
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = str(tmp_path / 'data')
        loader.dataset.video_root = 'render'
        loader.dataset.ann_file = 'annotations.csv'
        pipeline = loader.dataset.pipeline
        pipeline[0].num_frames = NUM_FRAMES
        pipeline[1].size = 32
        if key != 'train_dataloader':
            pipeline[2].size = 32
    cfg.train_cfg.max_epochs = 1
    return cfg


def test_custom_recipe_runs_on_an_annotation_file(tmp_path):
    counts = write_own_videos(tmp_path / 'data')
    runner = Runner.from_cfg(tiny_custom_cfg(tmp_path))
    assert len(runner.train_dataloader.dataset) == 2 * counts['train']
    runner.train()
    metrics = runner.test()
    assert runner.test_dataloader.dataset.num_videos == counts['test']
    ranks = metrics['retrieval/t2v/MnR'], metrics['retrieval/v2t/MnR']
    assert all(1 <= rank <= counts['test'] for rank in ranks)
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
