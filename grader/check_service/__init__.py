"""The check service: a warm process per user that answers ``grade check`` in a fraction of a second.

A fresh ``grade check`` pays about a second before any check runs: two interpreters start, each
imports NumPy, and the grader and its sandbox load. The first ``grade check`` runs in-process as
before and then starts a service in the background; later ones hand their arguments to it and print
what it answers. The service keeps the grader imported and one fork-server warm (the same sandbox as
everywhere: learner code runs only in the children that fork-server forks), and it exits after
15 idle minutes (``DEEP_RNN_GRADER_CHECK_SERVICE_IDLE`` seconds), or as soon as the grader's files
change. ``DEEP_RNN_GRADER_CHECK_SERVICE=0`` turns it off.

Modules:
    place    -- where the user's service listens (a folder only the user can open) and its name
    protocol -- the JSON messages over the socket, and their checks
    client   -- the ``grade check`` side: ask the service, or say it did not answer
    service  -- the service process itself (``python -m grader.check_service SOCKET LOCK``)
    hangup   -- a check whose client hung up (Ctrl-C) is given up, not run out
"""
