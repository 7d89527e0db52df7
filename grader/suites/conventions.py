"""Checks for ``conventions``: weights from other sources turned into the course's parameter dicts.

Sizes keep N, d and H different (``square`` makes d = H, so weights read untransposed still fit and
the mistake shows as wrong values). The ``…left unchanged`` checks judge the arguments as the
learner's function leaves them: converting must not modify the caller's arrays.
"""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, register

GRU_HINT = ("In the keep-gate GRU h = z ⊙ h_prev + (1 − z) ⊙ h~; the course's z is 1 − σ(a) = σ(−a), so "
            "negate W_z, U_z and b_z and copy the rest.")
RNN_HINT = "W_x = weight_ih, W_h = weight_hh and b = bias_ih + bias_hh: PyTorch adds two bias vectors."
LSTM_HINT = ("PyTorch stacks the blocks in the order i, f, g, o (g is c~), H rows each, and every gate's "
             "bias is the sum of its bias_ih and bias_hh blocks.")
UNCHANGED_HINT = ("Build new arrays (-a, a + b, a[rows].copy()) and a new dict: `a *= -1` or `params[k] = …` "
                  "changes what the caller holds.")
TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _keep_gate(*, square=False):
    def make(rng):
        s = gen.draw_sizes(rng, square=square)
        return (gen.cell_params(rng, "gru", s.d, s.H),)
    return make


def _torch(gates: int, *, square=False):
    def make(rng):
        s = gen.draw_sizes(rng, square=square)
        rows = gates * s.H
        return (gen.matrix(rng, rows, s.d, 1.0), gen.matrix(rng, rows, s.H, 1.0),
                rng.uniform(-0.5, 0.5, size=rows), rng.uniform(-0.5, 0.5, size=rows))
    return make


PARAMS = ("params",)
register(
    Check("conventions", "gru_from_keep_gate", "keep-gate parameters (Dive into Deep Learning's form)", 2,
          _keep_gate(), visibility="public", outputs=PARAMS, hint=GRU_HINT),
    Check("conventions", "gru_from_keep_gate", "keep-gate parameters with d = H", 1, _keep_gate(square=True),
          outputs=PARAMS, hint=GRU_HINT),
    Check("conventions", "gru_from_keep_gate", "the caller's params are left unchanged", 1, _keep_gate(),
          outputs=(PARAMS,), hint=UNCHANGED_HINT, judges_arguments=True),
    Check("conventions", "rnn_from_torch", "nn.RNN's four tensors", 2, _torch(1), visibility="public",
          outputs=PARAMS, hint=RNN_HINT),
    Check("conventions", "rnn_from_torch", "nn.RNN's tensors with d = H", 1, _torch(1, square=True),
          outputs=PARAMS, hint=RNN_HINT),
    Check("conventions", "rnn_from_torch", "the caller's arrays are left unchanged", 1, _torch(1),
          outputs=(TORCH_NAMES,), hint=UNCHANGED_HINT, judges_arguments=True),
    Check("conventions", "lstm_from_torch", "nn.LSTM's stacked i, f, g, o blocks", 2, _torch(4),
          visibility="public", outputs=PARAMS, hint=LSTM_HINT),
    Check("conventions", "lstm_from_torch", "nn.LSTM's blocks with d = H", 1, _torch(4, square=True),
          outputs=PARAMS, hint=LSTM_HINT),
    Check("conventions", "lstm_from_torch", "the caller's arrays are left unchanged", 1, _torch(4),
          outputs=(TORCH_NAMES,), hint=UNCHANGED_HINT, judges_arguments=True),
)
