# T-MASS, ViT-B/32, Charades (scripts as text). Published: 14.2 t2v R@1
# (official protocol).
_base_ = [
    '../_base_/models/tmass_vit-b32.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py', '../_base_/datasets/charades.py'
]
