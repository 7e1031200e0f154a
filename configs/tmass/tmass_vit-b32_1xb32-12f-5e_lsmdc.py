# T-MASS, ViT-B/32, LSMDC (docs/method.md §8: normal prior, std 3e-3).
# Published:
# 28.9 t2v R@1 (official protocol).
_base_ = [
    '../_base_/models/tmass_vit-b32.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py', '../_base_/datasets/lsmdc.py'
]
model = dict(head=dict(sampler=dict(prior='normal', prior_std=3e-3)))
