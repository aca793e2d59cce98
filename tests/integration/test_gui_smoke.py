"""The real Wireshark GUI starts with the build-tree plugin and loads a lab capture cleanly.

SPDX-License-Identifier: GPL-2.0-or-later

Runs scripts/gui-screenshots.sh --smoke: Xvfb on a free display, Wireshark
(as nobody when run as root) with a private HOME, XDG_RUNTIME_DIR and
WIRESHARK_PLUGIN_DIR, the capture opened with a tcpdiag display filter; it
fails when the plugin is not the one loaded, when the window never shows,
or when Wireshark's log has a plugin load error, a dissector bug or a crash.
Skipped when wireshark-qt, xvfb or xdotool are not installed (CI installs
them: scripts/deps.sh).
"""
import os
import shutil
import subprocess
import unittest

import tdharness as h

SCRIPT = os.path.join(h.SOURCE_DIR, "scripts", "gui-screenshots.sh")
CAPTURE = os.path.join(h.CAPTURES_DIR, "lab", "tbf-congestion", "client-side.pcapng")


@unittest.skipUnless(all(shutil.which(t) for t in ("wireshark", "Xvfb", "xdotool")),
                     "wireshark-qt, xvfb and xdotool are needed for the GUI smoke test")
class GuiSmoke(unittest.TestCase):
    def test_wireshark_starts_with_plugin(self):
        env = dict(os.environ, TCPDIAG_BUILD_PLUGINS=h.BUILD_PLUGINS)
        proc = subprocess.run([SCRIPT, "--smoke", CAPTURE], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=300)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("GUI smoke test passed", out)


if __name__ == "__main__":
    unittest.main()
