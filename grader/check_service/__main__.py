"""``python -m grader.check_service SOCKET LOCK``: the check service process (see ``service``)."""
import sys

from grader.check_service.service import main

sys.exit(main(sys.argv[1:]))
