"""Exercise: count the parameters of recurrent layers.

Count every weight and one bias vector per affine map; there is no output layer. Your functions
are also called with SymPy symbols for d and h, so use only +, − and * (no float division, no
``int(...)``, no ``math`` functions).
"""


def rnn_param_count(d, h):
    """Return the number of parameters of a vanilla RNN cell: W_x (h × d), W_h (h × h), b (h).

    d: input size, h: hidden size (numbers or SymPy symbols).
    Hint: the answer is a polynomial in d and h.
    """
    raise NotImplementedError(
        "rnn_param_count is not implemented yet: replace this line with your code"
    )


def gru_param_count(d, h):
    """Return the number of parameters of a GRU cell.

    Hint: how many affine maps of the form W x + U h + b does a GRU have?
    """
    raise NotImplementedError(
        "gru_param_count is not implemented yet: replace this line with your code"
    )


def lstm_param_count(d, h):
    """Return the number of parameters of an LSTM cell.

    Hint: count the gates and the candidate cell content.
    """
    raise NotImplementedError(
        "lstm_param_count is not implemented yet: replace this line with your code"
    )


def stacked_param_count(cell, d, h, num_layers, bidirectional=False):
    """Return the number of parameters of ``num_layers`` stacked layers of ``cell``.

    cell:          "rnn", "gru" or "lstm"; any other value must raise ValueError.
    d, h:          input size and hidden size (numbers or SymPy symbols)
    num_layers:    how many layers are stacked (1 or more)
    bidirectional: when True, every layer has two cells (one per direction).
    Layer 1 reads d inputs. Every later layer reads the layer below: h inputs, or 2h when the
    network is bidirectional, because the two directions are concatenated.
    Hint: reuse your three per-cell counts with the right input size for each layer.
    """
    raise NotImplementedError(
        "stacked_param_count is not implemented yet: replace this line with your code"
    )


def torch_param_count(cell, d, h):
    """Return what PyTorch reports for one layer: ``sum(p.numel() for p in nn.GRU(d, h).parameters())``.

    cell: "rnn", "gru" or "lstm" (nn.RNN, nn.GRU, nn.LSTM); any other value must raise ValueError.
    d, h: input size and hidden size (numbers or SymPy symbols)
    PyTorch gives every affine map TWO bias vectors, b_ih and b_hh, where the course has one.
    Hint: per affine map that is hd + h² + 2h; a GRU has three maps, an LSTM four.
    """
    raise NotImplementedError(
        "torch_param_count is not implemented yet: replace this line with your code"
    )
