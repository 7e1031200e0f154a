"""Scenes of one moving coloured shape: attributes, captions, frames, files.

A scene is a shape of some colour and size travelling across the frame, near
the top, through the middle or near the bottom, over a plain background.

The retriever encodes frames independently and pools them with attention
queried by the caption, without temporal order, so only what the SET of
frames shows can be told apart, and a single frame that fits the caption
weighs a lot. Hence the attributes:

- colour, shape, size, background: visible in every frame;
- track: three parallel horizontal tracks, so no frame of one track looks
  like a frame of another (tracks along all four edges would meet in the
  corners, and a "left edge" video would have a frame that fits "along the
  top": that was the most frequent error when we tried it);
- direction ("left"/"right"): drawn and named in the captions, truthfully,
  but invisible to the model, so :func:`plan_attributes` never lets it be
  what separates two gallery videos.

Everything is deterministic given a ``numpy.random.Generator``; frames are
RGB uint8 ``[N, H, W, 3]``.
"""
import itertools
import os
import os.path as osp
from dataclasses import asdict, dataclass
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

# RGB; far apart in hue, so mpeg4's chroma subsampling keeps them distinct.
COLOURS: Dict[str, Tuple[int, int, int]] = {
    'red': (230, 30, 30),
    'green': (30, 190, 50),
    'blue': (40, 80, 240),
    'yellow': (245, 215, 20),
}
BACKGROUNDS: Dict[str, Tuple[int, int, int]] = {
    'black': (20, 20, 20),
    'white': (235, 235, 235),
}
SHAPES = ('circle', 'square', 'triangle')
# the horizontal track: height of the shape's centre, as a fraction of the
# frame side (the two outer tracks hug the edges whatever the shape's size)
PATHS: Dict[str, float] = {'top': 0.0, 'middle': 0.5, 'bottom': 1.0}
DIRECTIONS = ('left', 'right')
# half the shape's extent, as a fraction of the frame side
SIZES: Dict[str, float] = {'small': 0.11, 'large': 0.2}

# The attributes a caption must pin down; direction is not among them.
DISCRIMINATIVE = ('colour', 'shape', 'size', 'path', 'background')

# Words the captions use; each attribute value has a few synonyms.
SHAPE_WORDS = {
    'circle': ('circle', 'ball', 'disc'),
    'square': ('square', 'box', 'block'),
    'triangle': ('triangle', 'triangle', 'wedge'),
}
SIZE_WORDS = {
    'small': ('small', 'little', 'tiny'),
    'large': ('large', 'big', 'huge')
}
PATH_WORDS = {
    'top': ('along the top', 'across the top', 'along the upper edge'),
    'middle':
    ('through the middle', 'across the middle', 'through the centre'),
    'bottom':
    ('along the bottom', 'across the bottom', 'along the lower edge'),
}
VERBS = ('moves', 'slides', 'travels', 'glides')
TEMPLATES = (
    'a {size} {colour} {shape} {verb} {direction} {path} on a {background} '
    'background',
    'on a {background} background a {size} {colour} {shape} {verb} {path}',
    'a {colour} {shape}, {size}, {verb} {direction} {path} over '
    '{background}',
    '{size} {colour} {shape} going {direction} {path} on {background}',
)


@dataclass(frozen=True)
class Scene:
    """What one video shows, and how it is laid out.

    ``start``/``end`` are the fractions of the width (0..1, in the
    direction of travel) where the shape's centre starts and stops;
    ``offset`` moves the track down (pixels of a 64-pixel frame, towards
    the middle for the outer tracks); ``scale`` multiplies the nominal
    size.
    """

    colour: str
    shape: str
    size: str
    path: str
    background: str
    direction: str
    start: float
    end: float
    offset: float
    scale: float

    def attributes(self) -> Dict[str, str]:
        return {
            name: getattr(self, name)
            for name in DISCRIMINATIVE + ('direction', )
        }

    def to_dict(self) -> dict:
        return asdict(self)


def all_combinations() -> List[Tuple[str, ...]]:
    """Every tuple of :data:`DISCRIMINATIVE` values, in a fixed order."""
    return list(itertools.product(COLOURS, SHAPES, SIZES, PATHS, BACKGROUNDS))


def plan_attributes(rng: np.random.Generator,
                    num_videos: int) -> List[Tuple[str, ...]]:
    """Discriminative attributes of ``num_videos`` videos.

    Combinations are dealt from shuffled decks of all combinations, so the
    first ``len(all_combinations())`` videos are all distinct (a test
    gallery of at most that size has one correct answer per caption) and
    larger sets cover every combination evenly.
    """
    combos = all_combinations()
    plan: List[Tuple[str, ...]] = []
    while len(plan) < num_videos:
        plan.extend(combos[i] for i in rng.permutation(len(combos)))
    return plan[:num_videos]


def sample_scene(rng: np.random.Generator, attributes: Sequence[str]) -> Scene:
    """A scene with the given discriminative attributes and random layout."""
    values = dict(zip(DISCRIMINATIVE, attributes))
    return Scene(
        **values,
        direction=str(rng.choice(DIRECTIONS)),
        start=float(rng.uniform(0.0, 0.2)),
        end=float(rng.uniform(0.8, 1.0)),
        offset=float(rng.uniform(0.0, 3.0)),
        scale=float(rng.uniform(0.85, 1.15)))


def make_caption(rng: np.random.Generator, scene: Scene) -> str:
    """One natural caption naming every attribute of the scene."""
    template = TEMPLATES[rng.integers(len(TEMPLATES))]
    words = dict(
        size=rng.choice(SIZE_WORDS[scene.size]),
        colour=scene.colour,
        shape=rng.choice(SHAPE_WORDS[scene.shape]),
        verb=rng.choice(VERBS),
        direction=scene.direction,
        path=rng.choice(PATH_WORDS[scene.path]),
        background=scene.background)
    return template.format(**{k: str(v) for k, v in words.items()})


def make_captions(rng: np.random.Generator, scene: Scene,
                  count: int) -> List[str]:
    """``count`` captions, distinct where the templates allow."""
    captions: List[str] = []
    for _ in range(20 * count):
        caption = make_caption(rng, scene)
        if caption not in captions:
            captions.append(caption)
        if len(captions) == count:
            break
    while len(captions) < count:
        captions.append(make_caption(rng, scene))
    return captions


def half_extent(scene: Scene, side: int) -> float:
    """Half the shape's extent in pixels, in a ``side``-pixel frame."""
    return SIZES[scene.size] * scene.scale * side


def shape_centre(scene: Scene, progress: float,
                 side: int) -> Tuple[float, float]:
    """``(x, y)`` of the shape's centre at ``progress`` (0..1) of the clip,
    in pixels of a ``side``-pixel frame."""
    half = half_extent(scene, side)
    along = scene.start + (scene.end - scene.start) * progress
    low, high = half + 1, side - 1 - half
    x = low + (high - low) * (
        along if scene.direction == 'right' else 1 - along)
    shift = scene.offset * side / 64
    y = low + (high - low) * PATHS[scene.path]
    y += shift if scene.path == 'top' else -shift if scene.path == \
        'bottom' else shift - 1.5 * side / 64
    return x, y


def _draw(frame: np.ndarray, scene: Scene, centre: Tuple[float, float],
          half: float) -> None:
    colour = tuple(int(c) for c in COLOURS[scene.colour])
    shift = 4  # cv2 sub-pixel bits
    x, y = (int(round(c * (1 << shift))) for c in centre)
    h = int(round(half * (1 << shift)))
    if scene.shape == 'circle':
        cv2.circle(frame, (x, y), h, colour, -1, cv2.LINE_AA, shift)
    elif scene.shape == 'square':
        side = int(round(h * 0.9))  # same area order as the circle
        cv2.rectangle(frame, (x - side, y - side), (x + side, y + side),
                      colour, -1, cv2.LINE_AA, shift)
    else:
        points = np.array(
            [[x, y - h], [x - h, y + h * 3 // 4], [x + h, y + h * 3 // 4]],
            np.int32)
        cv2.fillPoly(frame, [points], colour, cv2.LINE_AA, shift)


def render_frames(scene: Scene, num_frames: int, side: int) -> np.ndarray:
    """RGB uint8 ``[num_frames, side, side, 3]`` frames of the scene."""
    half = half_extent(scene, side)
    frames = np.empty((num_frames, side, side, 3), np.uint8)
    for i in range(num_frames):
        frames[i] = BACKGROUNDS[scene.background]
        progress = i / max(num_frames - 1, 1)
        _draw(frames[i], scene, shape_centre(scene, progress, side), half)
    return frames


def write_video(path: str, frames: np.ndarray, fps: float) -> None:
    """Write RGB frames as an MPEG-4 part 2 ``.mp4``, atomically.

    The file is written beside ``path`` under a temporary name and renamed
    into place, so ``path`` either does not exist or is complete.
    """
    directory, name = osp.split(path)
    tmp_path = osp.join(directory, f'.tmp-{os.getpid()}-{name}')
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(tmp_path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot write an mp4v video to {tmp_path}')
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    os.replace(tmp_path, path)
