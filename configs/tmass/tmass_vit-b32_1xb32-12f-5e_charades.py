# T-MASS, ViT-B/32, Charades (scripts as text). Published: 14.2 t2v R@1
# (official protocol).
_base_ = [
    '../_base_/models/tmass_vit-b32.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py', '../_base_/datasets/charades.py'
]

# Checkpoint selection: none. Charades has no validation split, and holding
# training videos out would change the published training set. The last
# epoch (the end of the cosine schedule) is the result.
# `--cfg-options select_on_test=True` selects on the test split instead, as
# the public code does (with a warning).
val_dataloader = None
val_cfg = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(save_best=None))
