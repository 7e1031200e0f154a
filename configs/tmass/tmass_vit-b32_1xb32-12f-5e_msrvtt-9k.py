# T-MASS, ViT-B/32, MSR-VTT 9k train / 1k-A test
# (docs/method.md §8: new-module lr
# 3e-5, support-text loss weight 0.8). Published: 50.2 t2v R@1 (official
# protocol).
_base_ = [
    '../_base_/models/tmass_vit-b32.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_5e.py', '../_base_/datasets/msrvtt.py'
]
model = dict(head=dict(support_weight=0.8))
optim_wrapper = dict(
    optimizer=dict(lr=3e-5),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1e-6 / 3e-5)}))
