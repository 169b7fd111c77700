"""What the journeys share: one browser context per person, an axe-core audit
of every page a journey visits, and screenshots into test-artifacts/."""

import subprocess
from pathlib import Path

from django.conf import settings
from django.test import Client

from lms.tests.browser import ARTIFACTS

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
# The phones a learner holds: small Android, iPhone 12-15, large iPhone.
PHONE_WIDTHS = (360, 390, 414)
LAPTOP = {"width": 1280, "height": 800}
BLOCKING = {"serious", "critical"}
# Django's own admin, not Koza's templates: in Japanese its date shortcuts show
# 「今日」 but keep an English aria-label ("Today (...)").
ADMIN_EXCEPTIONS = {"label-content-name-mismatch"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


class Visitor:
    """A person in their own browser context. `goto` and `audit` check each page
    with axe-core; the serious and critical violations collect in `violations`
    so one run reports every page at once (`assert_accessible`)."""

    def __init__(
        self,
        browser,
        live_server,
        *,
        locale="en-US",
        phone: bool | int = False,
        javascript=True,
        timezone_id="Asia/Tokyo",
        user=None,
        name="visitor",
    ):
        self.base = live_server.url
        self.name = name
        self.phone = bool(phone)
        self.javascript = javascript
        self.context = browser.new_context(
            locale=locale,
            timezone_id=timezone_id,
            viewport=(
                {"width": phone, "height": 844}
                if phone is not True and phone
                else PHONE
                if phone
                else LAPTOP
            ),
            # axe is injected as a script tag; Koza's CSP rightly refuses it.
            bypass_csp=True,
            java_script_enabled=javascript,
            has_touch=bool(phone),
            is_mobile=bool(phone),
        )
        self.context.set_default_timeout(15_000)
        if user is not None:
            self.log_in(user)
        self.page = self.context.new_page()
        self.violations: dict[str, list] = {}
        self.audited: list[str] = []

    def log_in(self, user) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base}]
        )

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response.ok, f"{path} answered {response.status}"
        self.audit()
        return response

    def audit(self) -> None:
        """Run axe-core on the page as it is now (needs JavaScript); on a
        phone, also fail when the page scrolls sideways."""
        if not self.javascript:
            return
        self.page.wait_for_load_state()
        # Django's admin is the operator's repair tool, not a page of Koza's.
        if self.phone and not self.page.url.startswith(self.base + "/admin/"):
            self.assert_fits_the_screen()
        self.page.add_script_tag(path=str(AXE))
        found = [v for v in self.page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
        path = self.page.url.removeprefix(self.base)
        if path.startswith("/admin/"):
            found = [v for v in found if v["id"] not in ADMIN_EXCEPTIONS]
        self.audited.append(path)
        if found:
            self.violations.setdefault(path, []).extend(found)

    def overflow(self) -> dict:
        """How far the page is wider than the screen, and the elements that
        stick out past its right edge (the culprits to fix)."""
        return self.page.evaluate(
            """() => {
              const width = document.documentElement.clientWidth;
              const wide = [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > width + 1
                  && !e.closest(".table-wrap"))
                .slice(0, 5)
                .map(e => e.tagName + "." + (e.getAttribute("class") || ""));
              return {scroll: document.documentElement.scrollWidth, width, wide};
            }"""
        )

    def assert_fits_the_screen(self) -> None:
        found = self.overflow()
        path = self.page.url.removeprefix(self.base)
        assert found["scroll"] <= found["width"], (
            f"{path} scrolls sideways on a {found['width']} px screen "
            f"({found['scroll']} px wide): {found['wide']}"
        )

    def until(self, predicate, timeout: float = 30):
        """Poll predicate() while the browser keeps running (route handlers
        and htmx polling need Playwright's event loop, which time.sleep stops)."""
        for _ in range(int(timeout * 10)):
            value = predicate()
            if value:
                return value
            self.page.wait_for_timeout(100)
        raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")

    def shot(self, name: str) -> Path:
        """The viewport as a PNG (what a person sees first), for the docs."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def assert_accessible(self) -> None:
        report = "\n".join(
            f"{path}: [{v['impact']}] {v['id']} {v['help']} at {v['nodes']}"
            for path, found in self.violations.items()
            for v in found
        )
        assert not self.violations, f"axe-core found, for {self.name}:\n{report}"

    def close(self) -> None:
        self.context.close()


def make_video(path: Path, seconds: int = 4) -> Path:
    """A tiny real MP4 (keyframe every frame, so seeking lands exactly)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc=duration={seconds}:size=160x120:rate=10",
         "-c:v", "libx264", "-g", "1", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    return path
