# T-MASS, ViT-B/32, LSMDC (docs/method.md §8: normal prior, std 3e-3).
# Published: 28.9 t2v R@1 (official protocol).
# Checkpoint selection: best t2v R@1 on the official validation split
# (LSMDC16_annos_val.csv).
# `--cfg-options select_on_test=True` selects on the test split instead, as
# the public code does (with a warning).
_base_ = [
    '../_base_/models/tmass_vit-b32.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py', '../_base_/datasets/lsmdc.py'
]
model = dict(head=dict(sampler=dict(prior='normal', prior_std=3e-3)))
