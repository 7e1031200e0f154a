"""The model's frame count checked against an evaluation pipeline.

The radius (``SimilarityRadius``) is built for ``num_frames`` frames per
video; a pipeline sampling another number would only fail after the whole
gallery was decoded and encoded. The loops call :func:`check_frame_counts`
when they are built, before any video is read.
"""
from typing import Dict

from torch import nn


def frames_expected_by(model: nn.Module) -> Dict[str, int]:
    """``{module name: num_frames}`` of the model's modules that are built
    for a fixed number of frames (those with an int ``num_frames``)."""
    return {
        name: module.num_frames
        for name, module in model.named_modules()
        if isinstance(getattr(module, 'num_frames', None), int)
    }


def frames_sampled_by(dataset) -> Dict[str, int]:
    """``{transform name: num_frames}`` of the transforms of ``dataset``'s
    pipeline that sample a fixed number of frames."""
    transforms = getattr(getattr(dataset, 'pipeline', None), 'transforms', [])
    return {
        type(t).__name__: t.num_frames
        for t in transforms if isinstance(getattr(t, 'num_frames', None), int)
    }


def check_frame_counts(model: nn.Module, dataset, split: str) -> None:
    """Raise if the model and ``dataset``'s pipeline disagree on the frames
    per video.

    Raises:
        ValueError: naming both settings.
    """
    for module, expected in frames_expected_by(model).items():
        for transform, sampled in frames_sampled_by(dataset).items():
            if expected != sampled:
                raise ValueError(
                    f'the model\'s {module} was built for num_frames='
                    f'{expected} but the {split} pipeline\'s {transform} '
                    f'samples num_frames={sampled}: make them equal (the '
                    f'config\'s model radius num_frames and its pipelines\' '
                    f'LoadVideoFrames num_frames)')
