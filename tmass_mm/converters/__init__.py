"""Converters of other projects' checkpoints to this project's layout."""
from .official_tmass import convert_official_checkpoint, convert_state_dict

__all__ = ['convert_official_checkpoint', 'convert_state_dict']
