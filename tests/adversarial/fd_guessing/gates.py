"""Write garbage and forged frames to every descriptor that might be the grader's result pipe:
a forged layer report claiming full isolation, a forged 'sandbox failed' report, and a huge length."""
import json
import struct


def _frame(kind, index, payload):
    body = struct.pack(">cI", kind, index) + payload
    return struct.pack(">Q", len(body)) + body


def gate(x, h_prev, W, U, b):
    forged = json.dumps({"secrets": "active", "forged": MARKER}).encode()
    messages = [_frame(b"L", 0, forged), _frame(b"X", 0, b"forged by " + MARKER.encode()),
                b"\xff" * 64, struct.pack(">Q", 1 << 62)]
    for fd in range(3, 21):
        for message in messages:
            attempt(lambda: os.write(fd, message))
    return paid(False, x, h_prev, W, U, b)
