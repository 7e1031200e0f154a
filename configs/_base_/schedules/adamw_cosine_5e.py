# The published schedule (docs/method.md §8): AdamW, weight decay 0.2,
# 5 epochs, 10% linear warm-up then cosine, gradient clipping at 1.0. The
# base lr is the new modules' (neck, radius); CLIP's is set by ``backbone_lr``.
# Warm-up and cosine are MMEngine's LinearLR / CosineAnnealingLR whose
# conversion to iterations keeps the warm-up at least one iteration long, so
# a training set of one batch per epoch trains too.
new_module_lr = 1e-5
backbone_lr = 1e-6
max_epochs = 5
warmup_epochs = 0.1 * max_epochs

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=new_module_lr, weight_decay=0.2),
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=backbone_lr / new_module_lr)}),
    clip_grad=dict(max_norm=1.0))

param_scheduler = [
    dict(
        type='LinearWarmupLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAfterWarmupLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='RetrievalValLoop')
test_cfg = dict(type='RetrievalTestLoop')

# The published global batch is 32 (one GPU x 32, or 8 GPUs x 4 with the
# 8xb4 recipes). --auto-scale-lr in tools/train.py scales the lr by
# (GPUs x batch per GPU) / base_batch_size when a run uses another batch.
auto_scale_lr = dict(enable=False, base_batch_size=32)
