"""Backbones: the CLIP text and image towers (open_clip) and their
weights."""
from .clip_encoder import CLIPEncoder

__all__ = ['CLIPEncoder']
