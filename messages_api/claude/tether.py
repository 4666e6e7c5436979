"""A CLI process dies with the server that started it, however the server dies.

A server killed outright (kill -9, the OOM killer, a host's watchdog) runs none of its
code: its CLIs read the end of their input, and a CLI told its input ended finishes a
turn paused on a client's tool call with "The tool call was interrupted" and calls the
model: a billed call whose answer nobody reads (within 2.7 s, 4 runs of 4), and one in
the middle of an answer streams it to the end for no one. Linux sends a child a signal
when its parent dies if the child asks for it (PR_SET_PDEATHSIG, kept across exec):
`setpriv --pdeathsig KILL` (util-linux, on every Debian and Ubuntu) asks, then execs the
CLI, so the SDK starts `tethered-cli` with the real CLI named in its environment.
The parent is the thread that started the child: the event loop's, which lives as long
as the server. Without setpriv (macOS), the CLI is started as it is.
"""

import functools
import shutil
from pathlib import Path

SCRIPT = Path(__file__).with_name("tethered-cli")
VARIABLE = "TETHERED_CLI"


@functools.cache
def available():
    return shutil.which("setpriv") is not None


def tethered(cli):
    """(the program the SDK starts for `cli`, what its environment must add)."""
    if not available():
        return cli, {}
    return SCRIPT, {VARIABLE: str(cli)}
