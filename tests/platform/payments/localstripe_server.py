"""Run localstripe on loopback only: `python localstripe_server.py <port>`.

The `localstripe` command listens on every interface (`::`) and saves its state to
/tmp/localstripe.pickle after each write (shared by every run on the machine, and loaded
again at start-up without --from-scratch). The test suite wants neither: this starts the
same aiohttp application on 127.0.0.1, from scratch, with the disk dump switched off."""

import sys

from aiohttp import web
from localstripe import server
from localstripe.resources import store

type(store).dump_to_disk = lambda self: None

if __name__ == "__main__":
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
