"""Build hook: vendor the web page's browser assets (YASGUI) from the npm registry when the package is installed.

`pip install -e .` (and building a wheel) runs `npm ci` in api/web/ from its committed lockfile, then copies the
built YASGUI files into api/static/vendor/ (git-ignored), so the page serves them itself and needs no network at
run time. Without npm the install still succeeds and says so: the page then offers a plain text box as its
SPARQL editor.
"""

import hashlib
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Files of the npm package the page loads, and their names under api/static/vendor/.
ASSETS = {
    "node_modules/@zazuko/yasgui/build/yasgui.min.js": "yasgui.min.js",
    "node_modules/@zazuko/yasgui/build/yasgui.min.css": "yasgui.min.css",
    "node_modules/@zazuko/yasgui/package.json": "yasgui.package.json",  # its version and licence (MIT)
}
STAMP = "lockfile.sha256"  # the lockfile the vendored copy came from: reinstalling skips npm when it matches
NO_NPM = (
    "npm (Node.js) was not found, so YASGUI was not vendored into api/static/vendor/: the page's SPARQL editor "
    "falls back to a plain text box. Install Node.js with npm (Debian: apt-get install npm) and reinstall."
)


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":  # the sdist ships api/web/ and this hook, not the vendored files
            return
        web = Path(self.root, "api", "web")
        vendor = Path(self.root, "api", "static", "vendor")
        lock_hash = hashlib.sha256((web / "package-lock.json").read_bytes()).hexdigest()
        stamp = vendor / STAMP
        if stamp.is_file() and stamp.read_text().strip() == lock_hash and all(
            (vendor / name).is_file() for name in ASSETS.values()
        ):
            return
        npm = shutil.which("npm")
        if npm is None:
            self.app.display_warning(NO_NPM)
            return
        # --ignore-scripts: nothing from the registry runs here; the packages are only copied.
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"]
        done = subprocess.run(command, cwd=web, capture_output=True, text=True)
        if done.returncode != 0:
            self.app.display_warning(
                f"`npm ci` in {web} failed, so the page's SPARQL editor falls back to a plain text box:\n"
                + (done.stderr or done.stdout)[-2000:]
            )
            return
        vendor.mkdir(parents=True, exist_ok=True)
        for source, name in ASSETS.items():
            shutil.copyfile(web / source, vendor / name)
        stamp.write_text(lock_hash + "\n")
        self.app.display_info(f"vendored YASGUI into {vendor}")
