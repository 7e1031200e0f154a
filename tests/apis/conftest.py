"""Fixtures of the search tests: a gallery of small generated videos and a
tiny random model saved as a checkpoint with a config that encodes them."""
from pathlib import Path

import pytest
from search_fixtures import (NUM_VIDEOS, save_tiny_checkpoint, search_config,
                             write_video)


@pytest.fixture
def gallery_dir(tmp_path) -> Path:
    """``NUM_VIDEOS`` generated videos, two of them in a subfolder."""
    folder = tmp_path / 'videos'
    for i in range(NUM_VIDEOS):
        sub = folder / 'more' if i >= NUM_VIDEOS - 2 else folder
        write_video(sub / f'clip{i}.mp4', i)
    return folder


@pytest.fixture
def search_files(tmp_path) -> dict:
    """``config`` and ``checkpoint`` paths of the tiny search model."""
    config = tmp_path / 'search_cfg.py'
    config.write_text(search_config())
    return dict(
        config=str(config),
        checkpoint=str(save_tiny_checkpoint(tmp_path / 'tiny.pth')))
