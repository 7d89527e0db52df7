"""Return objects that would run code if the grader unpickled them: directly, in an object array,
as pickle bytes, as an ``.npy`` file with a pickled body, and as a forged result frame."""
import io
import pickle


class Payload:
    def __reduce__(self):
        return (open, (os.path.join(OUTSIDE, "unpickled"), "w"))


def _npy_bytes():
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload()], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def gate(x, h_prev, W, U, b):
    if x.shape[0] == 1:
        return np.array([Payload(), Payload()], dtype=object)
    return (Payload(), pickle.dumps(Payload()), _npy_bytes(), {"value": pickle.dumps(Payload())})
