"""Heads: the T-MASS losses over the (global) batch and the fast all-pairs
inference scorer."""
from .pair_scoring import score_all_pairs
from .tmass_head import TMASSHead

__all__ = ['TMASSHead', 'score_all_pairs']
