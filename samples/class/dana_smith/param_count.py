def rnn_param_count(d, h):
    return h * d + h ** 2 + h


def gru_param_count(d, h):
    return 3 * rnn_param_count(d, h)


def lstm_param_count(d, h):
    return 4 * rnn_param_count(d, h)


def stacked_param_count(cell, d, h, num_layers, bidirectional=False):
    per = {"rnn": rnn_param_count, "gru": gru_param_count, "lstm": lstm_param_count}
    if cell not in per:
        raise ValueError("cell must be 'rnn', 'gru' or 'lstm'")
    n_dir = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        n_in = d if layer == 0 else n_dir * h
        total += n_dir * per[cell](n_in, h)
    return total


def torch_param_count(cell, d, h):
    per_map = h * d + h * h + 2 * h
    return {"rnn": 1, "gru": 3, "lstm": 4}[cell] * per_map
