# The ViT-B/32 recipe with the ViT-B/16 image tower. Published: 26.7 t2v R@1
# (official protocol).
_base_ = ['./tmass_vit-b32_1xb32-12f-5e_charades.py']
model = dict(backbone=dict(model_name='ViT-B-16'))
