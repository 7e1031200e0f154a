"""Low-level helpers: the checkpoint reading policy and ledger, CPU
distributed set-up, gathering across ranks with gradients, rank agreement
on errors, option checks."""
