# Short name of the ViT-B/32 LSMDC recipe.
_base_ = ['./tmass/tmass_vit-b32_1xb32-12f-5e_lsmdc.py']
