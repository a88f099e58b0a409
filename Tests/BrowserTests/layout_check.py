#!/usr/bin/env python3
"""Every page at desktop and phone width: no sideways scrolling, no element spilling out of its box.

Usage: layout_check.py BASE_URL PAGES_JSON ARTIFACT_DIR

PAGES_JSON lists {"path": ..., "who": "agent" | "customer" | "visitor"} and the sign-in details:
{"agent": {"email": ..., "password": ...}, "portal_token": ..., "pages": [...]}. The Swift test
(LayoutBrowserTests) builds it from the routes the application registers, with real ids filled
in, so a new page is checked as soon as it exists. Every failing page leaves a screenshot.
"""
import json
import os
import sys

from selenium.webdriver.common.by import By

from browser_support import BrowserFlow, make_driver, run_flow, set_viewport

BASE, PAGES_JSON, ARTIFACTS = sys.argv[1:4]
WIDTHS = [(1400, 900), (390, 844)]

# Elements that overflow on purpose: visually hidden text, the skip link, the contact form's
# honeypot, and anything inside a box that scrolls by itself.
OVERFLOW_SCRIPT = r"""
const problems = [];
const page = document.documentElement.scrollWidth - window.innerWidth;
if (page > 1) problems.push(`the page scrolls sideways by ${page}px`);
const scrolls = (el) => { const s = getComputedStyle(el); return ['auto', 'scroll'].includes(s.overflowX) || ['auto', 'scroll'].includes(s.overflow); };
const clips = (el) => { const s = getComputedStyle(el); return s.overflowX === 'hidden' || s.overflowX === 'clip'; };
const ignored = (el) => el.closest('.visually-hidden, .skip-link, .trap, template, datalist, dialog:not([open]), [hidden], details:not([open]) > :not(summary)');
for (const el of document.querySelectorAll('body *')) {
  if (ignored(el)) continue;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'fixed' || style.position === 'absolute') continue;
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  let parent = el.parentElement;
  let inScroller = false;
  for (let a = parent; a && a !== document.body; a = a.parentElement) { if (scrolls(a)) { inScroller = true; break; } }
  if (inScroller || !parent || parent === document.body) continue;
  const outer = parent.getBoundingClientRect();
  const parentStyle = getComputedStyle(parent);
  if (parentStyle.display === 'inline' || parentStyle.display === 'contents') continue;
  const over = box.right - outer.right;
  if (over > 1.5 && !clips(parent)) {
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
    const container = parent.tagName.toLowerCase() + (parent.className && typeof parent.className === 'string' ? '.' + parent.className.trim().split(/\s+/).join('.') : '');
    problems.push(`${name} sticks ${Math.round(over)}px out of ${container}`);
  }
  if (problems.length > 12) break;
}
return problems;
"""


class LayoutFlow(BrowserFlow):
    def __init__(self, driver, base, spec):
        super().__init__(driver, base)
        self.spec = spec
        self.failures = []

    def sign_in_agent(self):
        agent = self.spec["agent"]
        self.go("/sign-in")
        self.find("#email").send_keys(agent["email"])
        self.find("#password").send_keys(agent["password"])
        self.find("#password").submit()
        self.wait_url("/inbox")

    def sign_in_customer(self):
        self.go("/portal/auth?token=" + self.spec["portal_token"])
        self.clickable("main form button[type=submit]").click()
        self.wait_url("/portal/requests")

    def check_page(self, path, width, height):
        set_viewport(self.driver, width, height)
        self.go(path)
        self.find("main")
        problems = self.driver.execute_script(OVERFLOW_SCRIPT)
        if problems:
            safe = "".join(c if c.isalnum() else "-" for c in path)[:80]
            shot = os.path.join(ARTIFACTS, f"layout-{width}-{safe}.png")
            self.driver.save_screenshot(shot)
            self.failures.append(f"{path} at {width}px: " + "; ".join(problems) + f" (screenshot {shot})")

    def run(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for who in ["visitor", "customer", "agent"]:
            pages = [p["path"] for p in self.spec["pages"] if p["who"] == who]
            if not pages:
                continue
            if who == "agent":
                self.step("sign in as an agent", self.sign_in_agent)
            if who == "customer":
                self.step("sign in to the portal", self.sign_in_customer)
            for path in pages:
                for width, height in WIDTHS:
                    self.step(f"{path} at {width}px", lambda: self.check_page(path, width, height))
        checked = len(self.spec["pages"]) * len(WIDTHS)
        print(f"checked {checked} page views", flush=True)
        if self.failures:
            raise AssertionError("layout problems:\n" + "\n".join(self.failures))


def main():
    with open(PAGES_JSON, encoding="utf-8") as handle:
        spec = json.load(handle)
    flow = LayoutFlow(make_driver(), BASE, spec)
    return run_flow(flow, ARTIFACTS, lambda: "layout check passed")


if __name__ == "__main__":
    sys.exit(main())
