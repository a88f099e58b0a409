#!/usr/bin/env python3
"""End-to-end flow of the agent workspace in a real Chromium, driven over WebDriver.

Usage: workspace_flow.py BASE_URL EMAIL PASSWORD ARTIFACT_DIR

The server and its data are prepared by the Swift test that runs this script (BrowserTests):
an admin with EMAIL/PASSWORD, an agent "Sam Support", a macro "Refund on its way", and an open
ticket "Heating will not turn on" from Pat Customer. Every step waits on a condition with a
deadline, never a fixed sleep. A failing step saves a screenshot and the page's HTML in
ARTIFACT_DIR and exits 1 with the step's name.
"""
import os
import sys
import tempfile

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from browser_support import BrowserFlow, make_driver, run_flow, set_viewport

BASE, EMAIL, PASSWORD, ARTIFACTS = sys.argv[1:5]
TICKET_SUBJECT = "Heating will not turn on"


class Flow(BrowserFlow):
    def press(self, keys):
        """Types into whatever has focus, as a person at the keyboard would."""
        ActionChains(self.driver).send_keys(keys).perform()

    # -- the flow ----------------------------------------------------------------------------
    def sign_in(self):
        self.go("/inbox?view=open")
        self.wait_url("/sign-in")
        self.find("#email").send_keys(EMAIL)
        self.find("#password").send_keys("not the password")
        self.find("#password").submit()
        self.wait_text(".form-error", "do not match")
        self.check(self.find("#email").get_attribute("value") == EMAIL, "the email was not kept after a wrong password")
        self.find("#password").send_keys(PASSWORD)
        self.find("#password").submit()
        self.wait_url("/inbox?view=open")
        cookie = self.driver.get_cookie("rapport_session")
        self.check(cookie is not None and cookie.get("httpOnly"), "the session cookie must be HttpOnly")

    def open_inbox(self):
        self.wait_text("h1", "All open")
        self.wait_text(".ticket-table", TICKET_SUBJECT)
        counts = self.driver.find_element(By.CSS_SELECTOR, "[data-count=open]").text
        self.check(counts.isdigit() and int(counts) >= 1, f"the All open count should be a number, it is {counts!r}")

    def open_ticket_with_keyboard(self):
        rows = self.driver.find_elements(By.CSS_SELECTOR, "[data-row]")
        index = next(i for i, row in enumerate(rows) if TICKET_SUBJECT in row.text)
        self.press("j" * (index + 1))
        self.wait.until(lambda d: "is-current" in d.find_elements(By.CSS_SELECTOR, "[data-row]")[index].get_attribute("class"))
        self.press("o")
        self.wait_url("/tickets/")
        self.wait_text("#ticket-title", TICKET_SUBJECT)
        self.wait_text(".timeline", "thermostat")

    def send_reply(self):
        self.press("r")
        self.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "composer-body")
        self.driver.switch_to.active_element.send_keys("Hello Pat, I have reset your thermostat remotely. Could you check it now?")
        self.clickable("[data-send]").click()
        self.wait_text(".notice", "Your reply was sent.")
        self.wait_text(".timeline-reply .message-body", "reset your thermostat remotely")

    def add_note(self):
        self.press("n")
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "input[name=kind][value=note]").is_selected())
        self.check("is-note" in self.find("[data-composer]").get_attribute("class"), "the composer should look like a note")
        self.driver.switch_to.active_element.send_keys("Internal: firmware 2.1 has this bug, see the vendor bulletin.")
        self.clickable("[data-send]").click()
        self.wait_text(".notice", "Your internal note was added.")
        self.wait_text(".timeline-note .message-body", "firmware 2.1")
        self.check("internal note" in self.find(".timeline-note .message-kind").text.lower(), "a note must be labelled as internal")

    def change_status_and_assignee(self):
        Select(self.find("#prop-status")).select_by_visible_text("Pending")
        Select(self.find("#prop-assignee")).select_by_visible_text("Sam Support")
        page = self.find("html")
        self.clickable(".ticket-side button[type=submit]").click()
        self.wait.until(EC.staleness_of(page))
        self.wait_text(".notice", "The ticket was updated.")
        self.wait_text(".ticket-badges", "Pending")
        self.wait_text(".timeline", "assigned the ticket to Sam Support")
        self.check(Select(self.find("#prop-assignee")).first_selected_option.text == "Sam Support", "the assignee did not stick")

    def coach(self):
        self.press("r")
        body = self.find("#composer-body")
        body.send_keys("Hi Pat,\n\nI don't know when the engineer can come.\n\nIs there anything else I can help with?\n\nAlex")
        finding = self.find(".coach-finding[data-rule=negative-phrasing]")
        self.wait_text("[data-coach]", "I don't know")
        self.check(self.find(".coach-mark") is not None, "the phrase should be highlighted in the text")
        finding.find_element(By.CSS_SELECTOR, "[data-coach-apply]").click()
        self.wait.until(lambda d: "Let me find that out for you" in body.get_attribute("value"))
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".coach-finding[data-rule=negative-phrasing]"))
        self.clickable("[data-send]").click()
        self.wait_text(".notice", "Your reply was sent.")
        self.wait_text(".timeline", "Let me find that out for you when the engineer can come.")

    def coach_marks_line_up(self):
        """Every highlight sits exactly over its words: the layer behind the textarea lays its
        text out as the textarea does (a mirror with the textarea's style is the reference)."""
        body = self.find("#composer-body")
        body.clear()
        body.send_keys("hi there\n\nI can't do that. As I already explained, this is NOT POSSIBLE AT ALL. I don't know. I can't.\n\nthanks")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".coach-highlights mark")) >= 3)
        worst = self.driver.execute_script("""
            const area = document.getElementById('composer-body');
            const layer = document.querySelector('[data-coach-highlights]');
            const style = getComputedStyle(area);
            const mirror = document.createElement('div');
            for (const key of ['font', 'letterSpacing', 'wordSpacing', 'lineHeight', 'padding', 'borderWidth', 'borderStyle', 'boxSizing', 'whiteSpace', 'overflowWrap', 'tabSize'])
                mirror.style[key] = style[key];
            mirror.style.position = 'absolute'; mirror.style.visibility = 'hidden'; mirror.style.top = '0'; mirror.style.left = '0';
            mirror.style.width = area.clientWidth + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth) + 'px';
            document.body.appendChild(mirror);
            let worst = 0;
            const base = layer.getBoundingClientRect();
            let offset = 0;
            const text = area.value;
            for (const mark of layer.querySelectorAll('mark')) {
                const start = text.indexOf(mark.textContent, offset);
                offset = start + mark.textContent.length;
                mirror.textContent = '';
                mirror.appendChild(document.createTextNode(text.slice(0, start)));
                const span = document.createElement('span');
                span.textContent = mark.textContent;
                mirror.appendChild(span);
                mirror.appendChild(document.createTextNode(text.slice(offset)));
                const want = span.getBoundingClientRect(), m = mirror.getBoundingClientRect(), got = mark.getBoundingClientRect();
                worst = Math.max(worst, Math.abs((got.left - base.left) - (want.left - m.left)), Math.abs((got.top - base.top) - (want.top - m.top)));
            }
            mirror.remove();
            return worst;
        """)
        self.check(worst < 1, f"a coach highlight is {worst:.1f}px away from its words")
        shouting = self.driver.find_elements(By.CSS_SELECTOR, ".coach-finding[data-rule=shouting]")
        self.check(len(shouting) == 1, f"shouting should be listed once, it is listed {len(shouting)} times")
        for button in self.driver.find_elements(By.CSS_SELECTOR, "[data-coach-apply]"):
            label = button.text.split("“", 1)[1].rsplit("”", 1)[0]
            full = " ".join(button.get_attribute("title").split())
            whole = label == full or (label.endswith("…") and full.startswith(label[:-1]) and full[len(label) - 1:len(label)] in (" ", ",", ".", ""))
            self.check(whole, f"the label {button.text!r} is cut inside a word of {full!r}")
        body.clear()

    def panel_goes_with_send(self):
        """A priority changed in the side panel is saved by Send, with the reply."""
        Select(self.find("#prop-priority")).select_by_visible_text("High")
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-panel-pending]").is_displayed())
        body = self.clickable("#composer-body")
        body.click()
        body.send_keys("Hello Pat, I am raising this with our engineers now.")
        self.clickable("[data-send]").click()
        self.wait_text(".notice", "Your reply was sent. The ticket was updated.")
        self.wait_text(".ticket-badges", "High priority")
        self.wait_text(".timeline", "raising this with our engineers")

    def attachment_limit(self):
        """A file over the limit is refused as it is chosen, before anything is uploaded."""
        limit = int(self.find("input[type=file][data-max-bytes]").get_attribute("data-max-bytes"))
        with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as big:
            big.truncate(limit + 1)
        try:
            self.find("input[type=file][data-max-bytes]").send_keys(big.name)
            self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-attach-error]").is_displayed())
            self.wait_text("[data-attach-error]", "files can be at most")
            self.check(self.find("input[type=file][data-max-bytes]").get_attribute("value") == "", "the refused file stays chosen")
        finally:
            os.unlink(big.name)

    def use_macro(self):
        Select(self.find("#macro")).select_by_visible_text("Refund on its way")
        body = self.find("#composer-body")
        self.wait.until(lambda d: "Hi Pat," in body.get_attribute("value"))
        number = self.find("[data-ticket]").get_attribute("data-ticket")
        self.check(f"#{number}" in body.get_attribute("value"), "the macro should fill in the ticket number")
        self.wait_text("[data-macro-applied]", "Refund on its way")
        self.clickable("[data-send]").click()
        self.wait_text(".notice", "Your reply was sent.")
        self.wait_text(".timeline", "Hi Pat,")
        self.wait_text(".ticket-badges", "refund")

    def search(self):
        self.press("/")
        self.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "global-search")
        self.driver.switch_to.active_element.send_keys("thermostat", Keys.ENTER)
        self.wait_url("/search?q=thermostat")
        self.wait_text(".search-results", TICKET_SUBJECT)
        marks = self.driver.find_elements(By.CSS_SELECTOR, ".snippet mark")
        self.check(any("thermostat" in m.text.lower() for m in marks), "the search snippet should highlight the word")

    def search_by_number(self):
        self.go("/inbox?view=open")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "[data-row]")
        number = rows[0].get_attribute("data-href").rsplit("/", 1)[1]
        self.press("/")
        self.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "global-search")
        self.driver.switch_to.active_element.send_keys(f"#{number}", Keys.ENTER)
        self.wait_url(f"/tickets/{number}")

    def dark_colours(self):
        self.go("/inbox")
        self.clickable(".account summary").click()
        self.clickable(".theme-choice[value=dark]").click()
        self.wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("data-theme") == "dark")
        luminance = self.driver.execute_script("""
            const [r, g, b] = getComputedStyle(document.querySelector('.topbar')).backgroundColor.match(/\\d+/g).map(Number);
            return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;""")
        self.check(luminance < 0.3, f"the dark theme's background is not dark (luminance {luminance:.2f})")
        self.clickable(".account summary").click()
        self.clickable(".theme-choice[value=system]").click()
        self.wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("data-theme") in (None, ""))

    def phone_width(self):
        set_viewport(self.driver, 390, 844)
        for path in ("/inbox?view=open", "/search?q=thermostat"):
            self.go(path)
            self.find("main")
            overflow = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            self.check(overflow <= 1, f"{path} scrolls sideways on a phone ({overflow}px too wide)")
        set_viewport(self.driver, 1280, 900)

    def sign_out(self):
        self.go("/inbox")
        self.clickable(".account summary").click()
        self.clickable(".account-menu form[action='/sign-out'] button[type=submit]").click()
        self.wait_url("/sign-in")
        self.wait_text(".notice", "You are signed out.")
        self.go("/inbox")
        self.wait_url("/sign-in")

    def run(self):
        self.step("sign in (after one wrong password)", self.sign_in)
        self.step("open the inbox", self.open_inbox)
        self.step("open a ticket with j and o", self.open_ticket_with_keyboard)
        self.step("send a reply", self.send_reply)
        self.step("add an internal note", self.add_note)
        self.step("change status and assignee", self.change_status_and_assignee)
        self.step("the coach flags negative phrasing and rephrases it", self.coach)
        self.step("the coach's highlights sit on their words; shouting is one finding", self.coach_marks_line_up)
        self.step("a side-panel change goes with Send", self.panel_goes_with_send)
        self.step("a file over the limit is refused as it is chosen", self.attachment_limit)
        self.step("use a macro", self.use_macro)
        self.step("search", self.search)
        self.step("a ticket number in the search box opens the ticket", self.search_by_number)
        self.step("dark colours, and back", self.dark_colours)
        self.step("phone-width layout", self.phone_width)
        self.step("sign out", self.sign_out)


def main():
    return run_flow(Flow(make_driver(), BASE), ARTIFACTS, lambda: "browser flow passed")


if __name__ == "__main__":
    sys.exit(main())
