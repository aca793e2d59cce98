"""The real Wireshark GUI starts with the build-tree plugin and loads a lab capture cleanly.

SPDX-License-Identifier: GPL-2.0-or-later

Runs scripts/gui-screenshots.sh --smoke: Xvfb on a free display, Wireshark
(as nobody when run as root) with a private HOME, XDG_RUNTIME_DIR and
WIRESHARK_PLUGIN_DIR, the capture opened with a tcpdiag display filter; it
fails when the plugin is not the one loaded, when the window never shows,
or when Wireshark's log has a plugin load error, a dissector bug or a crash.
Skipped when wireshark-qt, xvfb or xdotool are not installed (CI installs
them: scripts/deps.sh): run as a script, it then exits SKIP_RETURN_CODE so
ctest reports the test as skipped rather than passed.
"""
import os
import shutil
import subprocess
import sys
import unittest

import tdharness as h

SCRIPT = os.path.join(h.SOURCE_DIR, "scripts", "gui-screenshots.sh")
CAPTURE = os.path.join(h.CAPTURES_DIR, "lab", "tbf-congestion", "client-side.pcapng")


TOOLS = ("wireshark", "Xvfb", "xdotool")
# ctest's SKIP_RETURN_CODE for integration.gui_smoke (tests/CMakeLists.txt).
SKIP_RETURN_CODE = 77


def missing_tools():
    return [t for t in TOOLS if not shutil.which(t)]


@unittest.skipIf(missing_tools(), "wireshark-qt, xvfb and xdotool are needed for the GUI smoke test")
class GuiSmoke(unittest.TestCase):
    def test_wireshark_starts_with_plugin(self):
        env = dict(os.environ, TCPDIAG_BUILD_PLUGINS=h.BUILD_PLUGINS)
        proc = subprocess.run([SCRIPT, "--smoke", CAPTURE], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=300)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("GUI smoke test passed", out)


if __name__ == "__main__":
    if missing_tools():
        print("Skipped: not installed: %s (wireshark-qt, xvfb, xdotool)" % ", ".join(missing_tools()))
        sys.exit(SKIP_RETURN_CODE)
    unittest.main()
