#!/usr/bin/env python3
"""A customer helps themselves, then reaches a person, in a real Chromium over WebDriver.

Usage: self_service_flow.py BASE_URL AGENT_EMAIL PASSWORD SINK_DIR ARTIFACT_DIR

The Swift test (BrowserTests) prepares a published article "Reset your password", an agent
with AGENT_EMAIL/PASSWORD, and mail delivered to an SMTP sink that writes each message as a
file in SINK_DIR. The customer searches the help center, opens the article and says it helped,
writes through the contact form (seeing the article suggested as they type), the agent answers
in the workspace, and the customer signs in to the portal with the link from the email and
reads the answer. Every step waits on a condition with a deadline; a failing step leaves a
screenshot and the page's HTML in ARTIFACT_DIR.
"""
import email
import email.policy
import glob
import os
import re
import sys
import time
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By

from browser_support import WAIT_SECONDS, BrowserFlow, make_driver, run_flow

BASE, AGENT_EMAIL, PASSWORD, SINK, ARTIFACTS = sys.argv[1:6]
CUSTOMER = "dana.reyes@customer.example"


class Flow(BrowserFlow):
    number = None

    # -- the customer finds an article --------------------------------------------------------
    def search_help_center(self):
        self.go("/help")
        self.wait_text("h1", "How can we help?")
        box = self.find("#help-q")
        box.send_keys("password")
        box.submit()
        self.wait_url("/help/search?q=password")
        self.wait_text(".help-results", "Reset your password")
        marks = self.driver.find_elements(By.CSS_SELECTOR, ".help-results mark")
        self.check(any(m.text.lower().startswith("password") for m in marks), "the matches are highlighted")

    def open_article(self):
        self.driver.find_element(By.LINK_TEXT, "Reset your password").click()
        self.wait_text("h1", "Reset your password")
        self.wait_text(".article-body", "Settings")
        self.clickable("button[name=helpful][value=yes]").click()
        self.wait_text(".help-feedback", "Thank you for telling us.")
        width, viewport = self.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        self.check(width <= viewport, f"the article fits a phone-sized window ({viewport}px), it is {width}px wide")

    # -- the customer writes --------------------------------------------------------------------
    def contact_form(self):
        self.go("/help/contact")
        self.find("#ct-name").send_keys("Dana Reyes")
        self.find("#ct-email").send_keys(CUSTOMER)
        self.find("#ct-subject").send_keys("Cannot reset my password")
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-suggestions]").is_displayed())
        self.wait_text("[data-suggestion-list]", "Reset your password")
        self.find("#ct-message").send_keys("I followed the article but the reset email never arrives.")
        self.find("#ct-message").submit()
        self.wait_text("h1", "Thank you, we have your message")
        text = self.find("main").text
        match = re.search(r"#(\d+)", text)
        self.check(match is not None, f"the thank-you page gives the request number: {text!r}")
        self.number = match.group(1)

    # -- the agent answers ----------------------------------------------------------------------
    def agent_replies(self):
        self.driver.delete_all_cookies()
        self.go("/sign-in")
        self.find("#email").send_keys(AGENT_EMAIL)
        self.find("#password").send_keys(PASSWORD)
        self.find("#password").submit()
        self.wait_url("/inbox")
        self.go(f"/tickets/{self.number}")
        self.wait_text("#ticket-title", "Cannot reset my password")
        self.wait_text("#suggested-articles", "Reset your password")
        self.find("#composer-body").send_keys("Hello Dana, I have sent a new reset email; it comes from no-reply@desk.example.")
        self.clickable("[data-send]").click()
        self.wait_text(".notice", "Your reply was sent.")

    # -- the customer signs in by link and reads the answer -------------------------------------
    def sign_in_by_link(self):
        self.driver.delete_all_cookies()
        self.go("/portal/sign-in")
        self.find("#ps-email").send_keys(CUSTOMER)
        self.find("#ps-email").submit()
        self.wait_text("h1", "Check your email")
        link = self.link_from_sink()
        parts = urlsplit(link)
        self.go(parts.path + "?" + parts.query)
        self.clickable("form[action='/portal/auth'] button").click()
        self.wait_url("/portal/requests")
        self.wait_text(".portal-list", "Cannot reset my password")

    def link_from_sink(self):
        deadline = time.time() + WAIT_SECONDS
        while time.time() < deadline:
            for path in sorted(glob.glob(os.path.join(SINK, "*.eml"))):
                with open(path, "rb") as handle:
                    message = email.message_from_binary_file(handle, policy=email.policy.default)
                if CUSTOMER not in str(message.get("To", "")) or "sign-in link" not in str(message.get("Subject", "")):
                    continue
                body = message.get_body(preferencelist=("plain",)).get_content()
                found = re.search(r"https?://\S+/portal/auth\?token=\S+", body)
                if found:
                    return found.group(0)
            time.sleep(0.2)
        raise AssertionError("no sign-in email reached the sink")

    def read_answer(self):
        self.driver.find_element(By.PARTIAL_LINK_TEXT, "Cannot reset my password").click()
        self.wait_text(".portal-conversation", "I have sent a new reset email")
        self.find("#pr-body").send_keys("Thank you, it arrived and I am back in.")
        self.find("#pr-body").submit()
        self.wait_text(".notice", "Your reply was added.")
        self.wait_text(".portal-conversation", "it arrived and I am back in")

    def run(self):
        self.step("search the help center", self.search_help_center)
        self.step("open an article and rate it", self.open_article)
        self.step("write through the contact form", self.contact_form)
        self.step("agent replies in the workspace", self.agent_replies)
        self.step("sign in by the emailed link", self.sign_in_by_link)
        self.step("read the answer and reply", self.read_answer)


def main():
    flow = Flow(make_driver(414, 900), BASE)
    return run_flow(flow, ARTIFACTS, lambda: f"self-service flow passed: request {flow.number}")


if __name__ == "__main__":
    sys.exit(main())
