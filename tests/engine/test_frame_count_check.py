"""The model's frames per video are checked against the evaluation
pipelines when the loops are built, before any video is decoded."""
import pytest
from demo_configs import small_demo_cfg
from mmengine.runner import Runner

from tmass_mm.datasets.transforms.loading import LoadVideoFrames
from tmass_mm.engine.loops.frame_count_check import (check_frame_counts,
                                                     frames_expected_by,
                                                     frames_sampled_by)


def never_decode(self, results):
    raise AssertionError('a video was decoded before the check')


@pytest.mark.parametrize('loop', ['val', 'test'])
def test_mismatch_is_found_before_decoding(tmp_path, monkeypatch, loop):
    cfg = small_demo_cfg(tmp_path)
    cfg[f'{loop}_dataloader'].dataset.num_videos = 4
    cfg.model.head.sampler.radius.num_frames = 6  # the pipelines take 4
    monkeypatch.setattr(LoadVideoFrames, 'transform', never_decode)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as error:
        getattr(runner, loop)()
    assert str(error.value).startswith(
        f"the model's head.sampler.radius_module was built for num_frames=6 "
        f"but the {loop} pipeline's LoadVideoFrames samples num_frames=4")


def test_matching_settings_pass(build_tiny_retriever):
    model = build_tiny_retriever(num_frames=4)
    assert frames_expected_by(model) == {'head.sampler.radius_module': 4}

    class Dataset:
        pipeline = type('Compose', (), dict(transforms=[LoadVideoFrames(4)]))

    assert frames_sampled_by(Dataset) == {'LoadVideoFrames': 4}
    check_frame_counts(model, Dataset, 'val')
    Dataset.pipeline.transforms = [LoadVideoFrames(5)]
    with pytest.raises(ValueError, match='num_frames=4 .* num_frames=5'):
        check_frame_counts(model, Dataset, 'val')
