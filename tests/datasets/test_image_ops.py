import numpy as np
import pytest
from PIL import Image

from tmass_mm.datasets.transforms import (CenterCropFrames, FlipFrames,
                                          RandomResizedCropFrames,
                                          ResizeShortSide)


def coordinate_clip(num_frames=3, height=6, width=9):
    """uint8 [F, H, W, 3]: channel 0 = x, 1 = y, 2 = 10 * frame."""
    f, y, x = np.meshgrid(
        np.arange(num_frames),
        np.arange(height),
        np.arange(width),
        indexing='ij')
    return np.stack([x, y, 10 * f], axis=-1).astype(np.uint8)


def random_clip(shape=(2, 48, 64, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, np.uint8)


@pytest.mark.parametrize('shape,expected', [((2, 48, 64, 3), (32, 42)),
                                            ((2, 64, 48, 3), (42, 32)),
                                            ((2, 32, 32, 3), (32, 32))])
def test_resize_short_side_shapes(shape, expected):
    results = ResizeShortSide(32)(dict(imgs=random_clip(shape)))
    assert results['imgs'].shape == (2, *expected, 3)
    assert results['imgs'].dtype == np.uint8
    assert results['img_shape'] == expected


def test_resize_is_pil_bicubic_per_frame():
    imgs = random_clip()
    out = ResizeShortSide(32, interpolation='bicubic')(dict(imgs=imgs))['imgs']
    for frame, resized in zip(imgs, out):
        expected = Image.fromarray(frame).resize((42, 32), Image.BICUBIC)
        np.testing.assert_array_equal(resized, np.asarray(expected))
    with pytest.raises(ValueError, match='unknown interpolation'):
        ResizeShortSide(32, interpolation='area')


def test_center_crop_takes_the_centre():
    imgs = coordinate_clip(height=6, width=9)
    results = CenterCropFrames(4)(dict(imgs=imgs))
    out = results['imgs']
    assert out.shape == (3, 4, 4, 3) and results['img_shape'] == (4, 4)
    # top = round((6 - 4) / 2) = 1, left = round((9 - 4) / 2) = 2
    np.testing.assert_array_equal(out[0, 0, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(out[0, :, 0, 1], [1, 2, 3, 4])
    np.testing.assert_array_equal(out[:, 0, 0, 2], [0, 10, 20])
    with pytest.raises(ValueError, match=r"'v\.mp4' are only 6x9"):
        CenterCropFrames(7)(dict(imgs=imgs, video_path='v.mp4'))


def test_random_resized_crop_is_the_same_for_every_frame():
    np.random.seed(1)
    transform = RandomResizedCropFrames(5, interpolation='nearest')
    for _ in range(20):
        out = transform(dict(imgs=coordinate_clip(height=20, width=30)))
        imgs = out['imgs']
        assert imgs.shape == (3, 5, 5, 3) and out['img_shape'] == (5, 5)
        for frame in range(3):  # same geometry, own content
            np.testing.assert_array_equal(imgs[frame, ..., :2], imgs[0,
                                                                     ..., :2])
            assert np.all(imgs[frame, ..., 2] == 10 * frame)


def test_random_resized_crop_box_statistics():
    np.random.seed(0)
    transform = RandomResizedCropFrames(224, scale=(0.5, 1.0))
    boxes = np.array([transform.crop_box(240, 320) for _ in range(500)])
    top, left, h, w = boxes.T
    area = h * w / (240 * 320)
    assert area.min() >= 0.49 and area.max() <= 1.0
    assert (w / h).min() >= 3 / 4 - 0.02 and (w / h).max() <= 4 / 3 + 0.02
    assert np.all(top + h <= 240) and np.all(left + w <= 320)
    assert area.std() > 0.1 and left.std() > 5  # really random


def test_random_resized_crop_falls_back_to_centre_box():
    # a 10x100 strip cannot hold a 3/4..4/3 box of the full area
    transform = RandomResizedCropFrames(8, scale=(1.0, 1.0))
    assert transform.crop_box(10, 100) == (0, 43, 10, 13)


def test_flip_frames():
    imgs = coordinate_clip()
    flipped = FlipFrames(flip_ratio=1.0)(dict(imgs=imgs.copy()))
    assert flipped['flip'] is True
    np.testing.assert_array_equal(flipped['imgs'], imgs[:, :, ::-1])
    kept = FlipFrames(flip_ratio=0.0)(dict(imgs=imgs.copy()))
    assert kept['flip'] is False
    np.testing.assert_array_equal(kept['imgs'], imgs)
    np.random.seed(0)
    flips = [FlipFrames()(dict(imgs=imgs))['flip'] for _ in range(200)]
    assert 70 < sum(flips) < 130
    with pytest.raises(ValueError, match='flip_ratio'):
        FlipFrames(1.5)


@pytest.mark.parametrize('interpolation', ['bilinear', 'bicubic'])
def test_random_resized_crop_is_close_to_pil_on_its_box(interpolation):
    imgs = random_clip((3, 60, 80, 3), seed=2)
    transform = RandomResizedCropFrames(32, interpolation=interpolation)
    np.random.seed(3)
    top, left, h, w = transform.crop_box(60, 80)
    np.random.seed(3)
    out = transform(dict(imgs=imgs))['imgs']
    assert out.shape == (3, 32, 32, 3) and out.flags.c_contiguous
    resample = getattr(Image, interpolation.upper())
    for frame, resized in zip(imgs, out):
        expected = np.asarray(
            Image.fromarray(frame).crop((left, top, left + w, top + h)).resize(
                (32, 32), resample))
        difference = np.abs(resized.astype(int) - expected)
        assert difference.max() <= 2 and (difference > 0).mean() < 0.05


def test_flip_frames_of_a_view():
    imgs = coordinate_clip(width=12)[:, 1:, 2:10]  # not contiguous
    flipped = FlipFrames(flip_ratio=1.0)(dict(imgs=imgs))['imgs']
    assert flipped.flags.c_contiguous
    np.testing.assert_array_equal(flipped, imgs[:, :, ::-1])
