def rnn_param_count(d, h):
    return h * (d + h + 1)


def gru_param_count(d, h):
    return 3 * h * (d + h + 1)


def lstm_param_count(d, h):
    return 4 * h * (d + h + 1)


def stacked_param_count(cell, d, h, num_layers, bidirectional=False):
    counters = {"rnn": rnn_param_count, "gru": gru_param_count, "lstm": lstm_param_count}
    if cell not in counters:
        raise ValueError(f"cell must be one of {sorted(counters)}, got {cell!r}")
    dirs = 2 if bidirectional else 1
    total = dirs * counters[cell](d, h)
    for _ in range(num_layers - 1):
        total = total + dirs * counters[cell](dirs * h, h)
    return total


def torch_param_count(cell, d, h):
    maps = {"rnn": 1, "gru": 3, "lstm": 4}
    if cell not in maps:
        raise ValueError(f"cell must be one of 'rnn', 'gru', 'lstm', not {cell!r}")
    return maps[cell] * h * (d + h + 2)  # torch keeps bias_ih and bias_hh apart
