"""Shared test fixtures."""
import pytest
import torch
from tiny_models import tiny_retriever_cfg


@pytest.fixture
def build_tiny_retriever():
    from tmass_mm.registry import MODELS

    def build(num_frames: int = 4, seed: int = 0, **head_kwargs):
        torch.manual_seed(seed)
        return MODELS.build(tiny_retriever_cfg(num_frames, **head_kwargs))

    return build
