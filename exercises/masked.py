"""Exercise: padded batches of sequences with different lengths.

A batch ``xs`` of shape (T, N, d) holds N sequences of different lengths: sequence n is
``xs[:lengths[n], n]`` (its real steps t = 1 … L_n, with L_n = lengths[n]), and the rows after it are
padding. Padding may hold ANY finite numbers: no output may depend on them.

    for t < L_n:   h_t[n] = cell(x_t[n], h_{t−1}[n])       (as in sequence.py)
    for t ≥ L_n:   the state of sequence n stops changing, and hs[t, n] = 0

    bidirectional: →h_t reads x_1 … x_t of its own sequence;
                   ←h_t reads x_{L_n}, x_{L_n − 1}, …, x_t: the backward direction of sequence n
                   starts at ITS OWN last real step L_n, not at T (which may be padding).
                   h_t = [→h_t ; ←h_t], zeros at the padded positions.

This is what PyTorch's ``pack_padded_sequence`` does for a recurrent layer.
"""
import numpy as np


def masked_forward(xs, lengths, h0, params, cell):
    """Run one layer over a padded batch; each sequence stops at its own length.

    xs:      (T, N, d)
    lengths: a list or integer array of N ints, 1 ≤ lengths[n] ≤ T
    h0:      (N, H) initial state; for "lstm" the pair (h0, c0), each (N, H)
    params:  one cell's parameters (W_* are (H, d)), as in sequence.py
    cell:    "rnn", "gru" or "lstm"
    Returns: (hs, finals)
        hs:     (T, N, H), hs[t, n] = 0 wherever t ≥ lengths[n] (a padded position)
        finals: (N, H), row n the state after sequence n's own last real step
                (for "lstm" the pair (h, c) at that step), not the state at T.
    Hint: at step t, update only the rows n with t < lengths[n] (e.g. ``np.flatnonzero(lengths > t)``);
    the other rows keep their state. Masking only the inputs is not enough: a cell fed zeros still
    changes its state.
    """
    raise NotImplementedError("masked_forward is not implemented yet: replace this line with your code")


def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
    """A bidirectional layer over a padded batch; both directions start from zero states.

    xs:         (T, N, d)
    lengths:    N ints, 1 ≤ lengths[n] ≤ T
    params_fwd: the forward cell's parameters; params_bwd: the backward cell's (same shapes)
    cell:       "rnn", "gru" or "lstm"
    Returns: hs, shape (T, N, 2H), hs[t, n] = [→h_t ; ←h_t] for t < lengths[n], zeros after.
    Hint: reverse each sequence inside its own length (step t of the reversed sequence n is
    ``xs[lengths[n] − 1 − t, n]``), run ``masked_forward`` on that, and reverse the outputs back the
    same way before joining.
    """
    raise NotImplementedError(
        "masked_bidirectional_forward is not implemented yet: replace this line with your code"
    )
