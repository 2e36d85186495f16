"""The experiment runner: configuration → trial, resumable sweeps with checkpoints, the
code and data fingerprints of every record, and the book's study grids."""
