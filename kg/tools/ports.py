"""A free port on the loopback interface, for a server the tools (bench, loadtest) or the tests start.

The port is free when asked; the server binds it a moment later (nothing else on a test machine takes it meanwhile).
"""

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
