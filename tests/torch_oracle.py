"""PyTorch as an outside oracle for the ``masked`` and ``conventions`` references.

``make_case(cell, seed)`` builds a bidirectional and a unidirectional ``nn.RNN``/``nn.GRU``/``nn.LSTM``
in float64, runs a padded batch through them as packed sequences (``pack_padded_sequence`` with
``enforce_sorted=False``, then ``pad_packed_sequence``) and returns the inputs, every weight tensor
and the outputs as NumPy arrays. ``tests/test_against_torch.py`` compares the references with these,
live when torch is importable and always with the stored copies in ``tests/fixtures/torch/``.

Run as a script to rewrite the stored copies (needs ``pip install -e '.[torch]'``, which pins the
CPU build torch==2.13.0):  ``python tests/torch_oracle.py``

nn.GRU resets *after* the matrix product, r ⊙ (W_hn h + b_hn), unlike the course and Dive into Deep
Learning, (r ⊙ h) U_hᵀ. The two coincide when W_hn is diagonal and b_hn = 0 (then
r ⊙ (W_hn h) = W_hn (r ⊙ h)), so the GRU cases set those blocks so: on them nn.GRU *is* the keep-gate
GRU of Dive into Deep Learning, and ``gru_from_keep_gate`` must turn its weights into the course's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "torch"
CASES = [(cell, seed) for seed in (0, 1) for cell in ("rnn", "gru", "lstm")]
T, N, D, H = 6, 5, 3, 4


def fixture_path(cell: str, seed: int) -> Path:
    return FIXTURES / f"{cell}-seed{seed}.npz"


def padded_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(xs, lengths)``: every length different (1 and T among them for seed 0), garbage on the padding."""
    rng = np.random.default_rng(seed)
    lengths = np.array([6, 1, 3, 5, 2]) if seed == 0 else rng.choice(np.arange(1, T + 1), size=N, replace=False)
    xs = rng.normal(size=(T, N, D))
    padding = ~(np.arange(T)[:, None] < lengths[None, :])
    xs[padding] = rng.uniform(-50.0, 50.0, size=(int(padding.sum()), D))
    return xs, lengths


def make_case(cell: str, seed: int) -> dict[str, np.ndarray]:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    torch.manual_seed(seed)
    xs, lengths = padded_batch(seed)
    module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
    bi = module(D, H, bidirectional=True).double()
    uni = module(D, H).double()
    rng = np.random.default_rng(seed + 100)
    h0 = rng.uniform(-0.9, 0.9, size=(1, N, H))
    c0 = rng.uniform(-2.0, 2.0, size=(1, N, H))
    with torch.no_grad():
        if cell == "gru":
            for net in (bi, uni):
                for name, tensor in net.named_parameters():
                    if name.startswith("weight_hh"):
                        tensor[2 * H:] = torch.diag(torch.empty(H, dtype=torch.float64).uniform_(-1.0, 1.0))
                    elif name.startswith("bias_hh"):
                        tensor[2 * H:] = 0.0

        def run(net, state):
            packed = pack_padded_sequence(torch.from_numpy(xs), torch.from_numpy(lengths), enforce_sorted=False)
            out, final = net(packed, state) if state is not None else net(packed)
            padded, _ = pad_packed_sequence(out, total_length=T)
            return padded.numpy(), final

        bi_out, _ = run(bi, None)
        start = (torch.from_numpy(h0), torch.from_numpy(c0)) if cell == "lstm" else torch.from_numpy(h0)
        uni_out, final = run(uni, start)
    h_n, c_n = final if cell == "lstm" else (final, torch.zeros(1))
    case = {"xs": xs, "lengths": lengths, "h0": h0[0], "c0": c0[0], "bi_out": bi_out, "uni_out": uni_out,
            "uni_h_n": h_n.numpy()[0], "uni_c_n": c_n.numpy()[0] if cell == "lstm" else np.zeros((N, H))}
    case["uni_numel"] = np.array(sum(p.numel() for p in uni.parameters()))  # what PyTorch counts
    for prefix, net in (("bi_", bi), ("uni_", uni)):
        for name, tensor in net.named_parameters():
            case[prefix + name] = tensor.detach().numpy().copy()
    return case


def write_fixtures() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for cell, seed in CASES:
        np.savez(fixture_path(cell, seed), **make_case(cell, seed))
        print(f"wrote {fixture_path(cell, seed)}")


if __name__ == "__main__":
    write_fixtures()
