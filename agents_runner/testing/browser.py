"""A real browser for the page's scenarios: Debian's chromium, headless, driven by
Selenium through Debian's chromedriver (both installed by scripts/setup.sh)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from .process_tree import process_tree, still_running
from .waiting import wait_until

CHROMEDRIVER = "/usr/bin/chromedriver"


class Browser:
    """One headless chromium, quit at the scenario's end."""

    def __init__(self, prefix: str) -> None:
        """`prefix` names the browser's own temporary folder (the run's, so that the
        reaper finds it after a killed run): chromium leaves a folder for its singleton
        socket in TMPDIR each time it starts."""
        if shutil.which("chromium") is None or not Path(CHROMEDRIVER).exists():
            raise AssertionError("the page's scenarios need chromium and chromium-driver")
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.scratch = Path(tempfile.mkdtemp(prefix=prefix + "browser-"))
        service = Service(CHROMEDRIVER, env={**os.environ, "TMPDIR": str(self.scratch)})
        try:
            self.driver = webdriver.Chrome(service=service, options=options)
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise

    def open(self, url: str) -> None:
        self.driver.get(url)
        # A mark that a reload would wipe: "without a reload" is checked by its survival.
        self.driver.execute_script("window.agentsRunnerMark = 'kept';")

    def not_reloaded(self) -> bool:
        return self.driver.execute_script("return window.agentsRunnerMark") == "kept"

    def text(self, element_id: str) -> str:
        # read in one script: the page redraws its parts twice a second, and an element
        # found by one call may be gone by the next
        script = "const e = document.getElementById(arguments[0]); return e ? e.innerText : '';"
        return str(self.driver.execute_script(script, element_id))

    def wait_for_text(self, element_id: str, wanted: str, timeout: float = 30) -> str:
        return wait_until(
            lambda: self.text(element_id),
            lambda shown: wanted in shown,
            timeout=timeout,
            describe=f"#{element_id} to show {wanted!r}",
        )

    def board_state(self, task_id: str) -> str:
        return self.board_cell(task_id, "state")

    def board_cell(self, task_id: str, field: str) -> str:
        """The text of a task's cell on the board ('' while its row is not shown)."""
        script = (
            "const row = [...document.querySelectorAll('tr[data-task]')]"
            ".find(r => r.dataset.task === arguments[0]);"
            "const cell = row && row.querySelector(`td[data-field=${arguments[1]}]`);"
            "return cell ? cell.textContent : '';"
        )
        return str(self.driver.execute_script(script, task_id, field))

    def board_rows(self) -> list[str]:
        """The ids of the board's rows, top to bottom."""
        script = "return [...document.querySelectorAll('tr[data-task]')].map(r => r.dataset.task);"
        return list(self.driver.execute_script(script))

    def board_counts(self) -> dict[str, int]:
        script = (
            "return Object.fromEntries([...document.querySelectorAll('#counts [data-state]')]"
            ".map(e => [e.dataset.state, e.textContent]));"
        )
        shown = self.driver.execute_script(script)
        return {state: int(text.rpartition(": ")[2]) for state, text in shown.items()}

    def set_values(self, values: dict[str, str]) -> None:
        """Set the form fields named by id, as typing would, then tell the page once."""
        script = (
            "let last = null; for (const [id, value] of Object.entries(arguments[0])) {"
            " const e = document.getElementById(id); e.value = value; last = e; }"
            "last.dispatchEvent(new Event('input'));"
        )
        self.driver.execute_script(script, values)

    def timeline(self) -> list[tuple[str, str]]:
        """The task page's timeline: each bar's state and the time it shows it entered."""
        script = (
            "return [...document.querySelectorAll('#timeline .step')].map(r =>"
            " [r.dataset.state, r.querySelector('[data-field=from]').textContent,"
            "  r.querySelector('.bar').getBoundingClientRect().width]);"
        )
        rows = self.driver.execute_script(script)
        return [(state, at) for state, at, width in rows if width > 0]

    def attribute(self, element_id: str, name: str) -> str:
        script = "const e = document.getElementById(arguments[0]); return e ? e[arguments[1]] : '';"
        return str(self.driver.execute_script(script, element_id, name))

    def click(self, element_id: str) -> None:
        self.driver.find_element(By.ID, element_id).click()

    def page_text(self) -> str:
        return str(self.driver.execute_script("return document.body.innerText;"))

    def count(self, tag: str) -> int:
        return len(self.driver.find_elements(By.TAG_NAME, tag))

    def console(self) -> list[dict[str, Any]]:
        return list(self.driver.get_log("browser"))

    def alert_shown(self) -> bool:
        try:
            self.driver.switch_to.alert  # noqa: B018 (the lookup itself is the test)
        except NoAlertPresentException:
            return False
        return True

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def quit(self) -> None:
        """Quit the browser, and fail if any process it started outlives it (those left
        are killed first, so the next scenario starts clean)."""
        started = process_tree(self.driver.service.process.pid)
        self.driver.quit()
        try:
            wait_until(
                lambda: still_running(started),
                lambda left: not left,
                timeout=15,
                describe="every process of the browser to end",
            )
        except AssertionError:
            left = still_running(started)
            for pid, _ in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"the browser left {len(left)} process(es): {left}") from None
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)
