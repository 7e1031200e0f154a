"""Helpers of the search tests: small generated videos, and a tiny random
model saved as a checkpoint with a config that encodes them."""
from pathlib import Path

import cv2
import numpy as np
import torch
from tiny_models import tiny_retriever_cfg

NUM_FRAMES = 4
NUM_VIDEOS = 6
FRAME_SIZE = 32
COLOURS = [(230, 40, 40), (40, 200, 60), (50, 70, 230), (240, 220, 30),
           (200, 60, 220), (30, 210, 220), (250, 140, 20), (120, 120, 120)]


def write_video(path: Path, index: int, num_frames: int = 8) -> Path:
    """A small mp4 of a square of colour ``COLOURS[index % 8]`` moving
    across a background whose brightness depends on ``index``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), 8.0,
        (FRAME_SIZE, FRAME_SIZE))
    assert writer.isOpened(), f'OpenCV cannot write {path}'
    colour = COLOURS[index % len(COLOURS)][::-1]  # OpenCV wants BGR
    for f in range(num_frames):
        frame = np.full((FRAME_SIZE, FRAME_SIZE, 3), 20 * (index % 7),
                        np.uint8)
        x = 2 + 3 * f
        frame[8 + index % 3 * 6:20 + index % 3 * 6, x:x + 10] = colour
        writer.write(frame)
    writer.release()
    return path


def search_config(num_frames: int = NUM_FRAMES, **head_kwargs) -> str:
    """Config text of the tiny model with a test pipeline for the videos."""
    pipeline = [
        dict(
            type='LoadVideoFrames',
            num_frames=num_frames,
            sampling='uniform',
            backend='decord'),
        dict(type='ResizeShortSide', size=FRAME_SIZE),
        dict(type='CenterCropFrames', size=FRAME_SIZE),
        dict(type='TokenizeTexts', context_length=77),
        dict(type='PackRetrievalInputs'),
    ]
    head = dict(num_trials=5, eval_seed=3, **head_kwargs)
    return (f'model = {tiny_retriever_cfg(num_frames, **head)!r}\n'
            f'test_dataloader = dict(dataset=dict(pipeline={pipeline!r}))\n')


def save_tiny_checkpoint(path: Path,
                         seed: int = 0,
                         num_frames: int = NUM_FRAMES) -> Path:
    """A random tiny retriever (neck and radius perturbed away from their
    identity initialisation) saved as a plain state dict."""
    from tmass_mm.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(tiny_retriever_cfg(num_frames)).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith(('neck.', 'head.')):
                param.add_(0.3 * torch.randn_like(param))
    torch.save(model.state_dict(), path)
    return path
