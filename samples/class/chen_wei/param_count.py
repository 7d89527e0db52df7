def rnn_param_count(d, h):
    return h * d + h * h + h


def gru_param_count(d, h):
    # reset, update, candidate
    return 3 * (h * d + h)


def lstm_param_count(d, h):
    return 4 * (h * d + h * h + h)


def stacked_param_count(cell, d, h, num_layers, bidirectional=False):
    if cell == "rnn":
        f = rnn_param_count
    elif cell == "gru":
        f = gru_param_count
    elif cell == "lstm":
        f = lstm_param_count
    else:
        raise ValueError("cell should be rnn, gru or lstm")
    k = 2 if bidirectional else 1
    return k * f(d, h) + (num_layers - 1) * k * f(k * h, h)


def torch_param_count(cell, d, h):
    if cell == "rnn":
        return rnn_param_count(d, h)
    if cell == "gru":
        return gru_param_count(d, h)
    if cell == "lstm":
        return lstm_param_count(d, h)
    raise ValueError("cell should be rnn, gru or lstm")
