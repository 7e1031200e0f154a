"""CLIP-style geometry on frame stacks; every frame of a clip is treated alike.

All transforms read and write ``results['imgs']``, uint8 ``[F, H, W, 3]``,
and update ``results['img_shape']`` to ``(H, W)``. Normalisation is left to
the data preprocessor.

Two resizers: the test-time ``ResizeShortSide`` uses PIL frame by frame,
exactly what CLIP's own preprocessing (torchvision on PIL images) computes;
the training crop resizes the whole clip at once with torch's antialiased
kernels (``torch.nn.functional.interpolate``, ``antialias=True``, as
torchvision's tensor transforms do), about 4x faster per clip. For
bilinear and bicubic these differ from PIL by at most 1-2 grey levels in
about 1 % of pixels (a random augmentation does not need bit equality);
``'nearest'`` is torch's ``'nearest-exact'``.
"""
import math
from typing import Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from PIL import Image

from tmass_mm.registry import TRANSFORMS

INTERPOLATIONS = {
    'nearest': Image.Resampling.NEAREST,
    'bilinear': Image.Resampling.BILINEAR,
    'bicubic': Image.Resampling.BICUBIC,
}
TORCH_MODES = {
    'nearest': 'nearest-exact',
    'bilinear': 'bilinear',
    'bicubic': 'bicubic',
}


def _check_interpolation(interpolation: str) -> str:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f'unknown interpolation {interpolation!r}, expected '
                         f'one of {list(INTERPOLATIONS)}')
    return interpolation


def resize_frames(imgs: np.ndarray, size: Tuple[int, int],
                  interpolation: str) -> np.ndarray:
    """Resize uint8 ``[F, H, W, 3]`` frames to ``size = (h, w)`` with PIL,
    frame by frame (bit-identical to CLIP's preprocessing)."""
    height, width = size
    if imgs.shape[1:3] == (height, width):
        return imgs
    resample = INTERPOLATIONS[interpolation]
    out = np.empty((len(imgs), height, width, imgs.shape[3]), np.uint8)
    for frame, resized in zip(imgs, out):
        resized[...] = Image.fromarray(frame).resize((width, height), resample)
    return out


def resize_clip(imgs: np.ndarray, size: Tuple[int, int],
                interpolation: str) -> np.ndarray:
    """Resize uint8 ``[F, H, W, 3]`` frames (a view is fine) to
    ``size = (h, w)`` in one torch call, antialiased; returns a contiguous
    uint8 ``[F, h, w, 3]`` array."""
    mode = TORCH_MODES[interpolation]
    clip = torch.from_numpy(imgs).permute(0, 3, 1, 2)  # channels-last view
    resized = F.interpolate(
        clip,
        size=size,
        mode=mode,
        antialias=mode != 'nearest-exact',
        align_corners=None if mode == 'nearest-exact' else False)
    return np.ascontiguousarray(resized.permute(0, 2, 3, 1).numpy())


def _set_imgs(results: dict, imgs: np.ndarray) -> dict:
    results['imgs'] = imgs
    results['img_shape'] = imgs.shape[1:3]
    return results


@TRANSFORMS.register_module()
class ResizeShortSide(BaseTransform):
    """Resize so that the shorter side is ``size``, keeping the aspect ratio.

    The longer side becomes ``int(size * long / short)``, as in
    torchvision's ``Resize(size)`` used by CLIP.

    Args:
        size (int): target of the shorter side. Defaults to 224.
        interpolation (str): ``'bicubic'`` (default), ``'bilinear'`` or
            ``'nearest'``.
    """

    def __init__(self, size: int = 224, interpolation: str = 'bicubic'):
        self.size = size
        self.interpolation = _check_interpolation(interpolation)

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        height, width = imgs.shape[1:3]
        if height <= width:
            target = (self.size, int(self.size * width / height))
        else:
            target = (int(self.size * height / width), self.size)
        return _set_imgs(results,
                         resize_frames(imgs, target, self.interpolation))


@TRANSFORMS.register_module()
class CenterCropFrames(BaseTransform):
    """Crop the central ``size x size`` square (torchvision's rounding).

    Frames smaller than ``size`` raise ``ValueError`` (put
    ``ResizeShortSide`` first); nothing is padded.

    Args:
        size (int): side of the crop. Defaults to 224.
    """

    def __init__(self, size: int = 224):
        self.size = size

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        height, width = imgs.shape[1:3]
        if height < self.size or width < self.size:
            raise ValueError(f'CenterCropFrames({self.size}): frames of '
                             f'{results.get("video_path")!r} are only '
                             f'{height}x{width}')
        top = int(round((height - self.size) / 2.0))
        left = int(round((width - self.size) / 2.0))
        return _set_imgs(results, imgs[:, top:top + self.size,
                                       left:left + self.size])


@TRANSFORMS.register_module()
class RandomResizedCropFrames(BaseTransform):
    """Torchvision's ``RandomResizedCrop``, one crop for the whole clip.

    A box covering a fraction ``scale`` of the frame area with aspect ratio
    in ``ratio`` (log-uniform) is drawn (10 tries, then the centred box of
    the closest valid ratio), cropped from every frame and resized to
    ``size x size`` (only the box is resized, all frames in one torch
    call; see the module docstring for how this differs from PIL). Random
    numbers come from ``np.random``.

    Args:
        size (int): output side. Defaults to 224.
        scale (tuple[float, float]): area fraction range. Defaults to
            ``(0.5, 1.0)`` (X-Pool / T-MASS).
        ratio (tuple[float, float]): aspect ratio (w / h) range.
        interpolation (str): defaults to ``'bilinear'``, torchvision's
            default for this transform.
    """

    def __init__(self,
                 size: int = 224,
                 scale: Sequence[float] = (0.5, 1.0),
                 ratio: Sequence[float] = (3 / 4, 4 / 3),
                 interpolation: str = 'bilinear'):
        self.size = size
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.interpolation = _check_interpolation(interpolation)

    def crop_box(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """A random ``(top, left, h, w)`` box in a ``height x width`` frame."""
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * np.random.uniform(*self.scale)
            aspect = math.exp(np.random.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                top = np.random.randint(0, height - h + 1)
                left = np.random.randint(0, width - w + 1)
                return int(top), int(left), h, w
        aspect = width / height
        if aspect < min(self.ratio):
            w, h = width, int(round(width / min(self.ratio)))
        elif aspect > max(self.ratio):
            w, h = int(round(height * max(self.ratio))), height
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        top, left, h, w = self.crop_box(*imgs.shape[1:3])
        crop = imgs[:, top:top + h, left:left + w]
        return _set_imgs(
            results,
            resize_clip(crop, (self.size, self.size), self.interpolation))


def flip_frames(imgs: np.ndarray) -> np.ndarray:
    """Mirror uint8 ``[F, H, W, C]`` frames left-right; returns a new
    contiguous array. OpenCV flips the ``[F * H, W, C]`` stack at once,
    ~20x faster than copying numpy's negative-stride view."""
    frames, height, width, channels = imgs.shape
    stack = np.ascontiguousarray(imgs).reshape(frames * height, width,
                                               channels)
    return cv2.flip(stack, 1).reshape(imgs.shape)


@TRANSFORMS.register_module()
class FlipFrames(BaseTransform):
    """Flip the whole clip horizontally with probability ``flip_ratio``.

    Adds ``results['flip']`` (bool).

    Args:
        flip_ratio (float): probability of flipping. Defaults to 0.5.
    """

    def __init__(self, flip_ratio: float = 0.5):
        if not 0.0 <= flip_ratio <= 1.0:
            raise ValueError(f'flip_ratio must be in [0, 1], got {flip_ratio}')
        self.flip_ratio = flip_ratio

    def transform(self, results: dict) -> dict:
        results['flip'] = bool(np.random.rand() < self.flip_ratio)
        if results['flip']:
            results['imgs'] = flip_frames(results['imgs'])
        return results
