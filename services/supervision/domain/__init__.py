"""Pure rules of supervision: periods, regions, the read models' folds and the roll-up figures.

Nothing here talks to the broker or the store; the use cases feed these functions what the
repositories loaded, so every figure can be unit-tested from plain data.
"""
