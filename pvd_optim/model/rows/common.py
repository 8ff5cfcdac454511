"""What the row modules share: the single-row index, and the width of a benefit segment."""

from __future__ import annotations

import numpy as np

from pvd_optim.inputs import ModelInputs

#: Row index of a one-row block.
ZERO = np.zeros(1, dtype=np.int64)


def segment_upper(inputs: ModelInputs, saturation: np.ndarray) -> np.ndarray:
    """(n, K, S) width of each benefit segment: w[s] x saturation[k]."""
    widths = inputs.segment_widths[None, None, :] * saturation[None, :, None]
    return widths * np.ones((inputs.n_towns, 1, 1))
