"""One test module per promise of DESIGN.md §2 (P1–P9), named by the promise: each fails if its promise breaks."""
