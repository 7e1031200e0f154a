from .pair_scoring import score_all_pairs
from .tmass_head import TMASSHead

__all__ = ['TMASSHead', 'score_all_pairs']
