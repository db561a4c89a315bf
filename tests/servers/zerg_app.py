# SPDX-License-Identifier: MIT
"""The WSGI app the uwsgi zerg serves on the sockets its zerg server hands it."""


def application(env, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"zerg ok\n"]
