"""The sandbox: learner code runs only in children forked from a warm, answer-free fork-server.

Modules:
    wire     -- the byte format that crosses the trust line (JSON header + raw buffers, no pickle)
    server   -- the fork-server process (imports numpy and sympy, never answers or references)
    child    -- what a forked child does: confine itself, import learner code, run calls
    client   -- the trusted side: starts fork-servers and sends them work
    confine / layers -- the isolation layers applied in each child
"""
