"""The HTML report in a real headless browser (Debian's chromium): it renders, every figure
loads, and the console shows no errors. A probe script is added to a copy of the report (the
report itself has no scripts). Required in CI (.ci/run installs chromium); skipped elsewhere
when no chromium is installed."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

PROBE = """<script>
window.addEventListener('error', e => document.documentElement.setAttribute('data-js-error', String(e.message)));
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.documentElement.setAttribute('data-probe', 'images=' + imgs.length + ';broken=' + broken +
    ';h2=' + document.querySelectorAll('h2').length);
});
</script>"""


@pytest.fixture(scope="module")
def browser():
    if BROWSER is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("no chromium installed")
    return BROWSER


def test_report_renders_with_figures_and_no_console_errors(browser, tmp_path):
    from exometa.run_command import run

    run(ROOT / "studies.xlsx", ROOT / "analyses", tmp_path / "fig")
    report = tmp_path / "fig" / "report.html"
    probed = tmp_path / "probed.html"
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--enable-logging=stderr",
           "--v=0", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r'data-probe="images=(\d+);broken=(\d+);h2=(\d+)"', out.stdout)
    assert m, "the page did not finish loading: " + out.stderr[-2000:]
    images, broken, sections = map(int, m.groups())
    assert images >= 5 and broken == 0
    assert sections == 12  # the claims, the summary, the registered trials without results, nine analyses
    assert 'data-js-error="' not in out.stdout  # the attribute, not the probe's own source
    console = [line for line in out.stderr.splitlines() if "CONSOLE" in line and "probe" not in line.lower()]
    assert not console, console
    # and a screenshot, for a person to look at
    shot = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile2'}",
                    f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
