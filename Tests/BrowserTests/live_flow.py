#!/usr/bin/env python3
"""The live workspace in two real Chromium sessions at once.

Usage: live_flow.py BASE_URL ADMIN_EMAIL AGENT_EMAIL PASSWORD API_TOKEN TICKET ARTIFACT_DIR

The Swift test that runs this script (LiveBrowserTests) prepares an admin and an agent "Sam
Support" with PASSWORD, an open ticket number TICKET from Pat Customer, and an API token of the
admin that stands in for the customer's mail and for changes made elsewhere. The admin works on a
desktop-sized window over the WebSocket; Sam on a phone-sized one whose browser has no WebSocket,
so his tab follows over Server-Sent Events. Every wait has a deadline; none is a fixed sleep
except where a figure is being measured.
"""
import json
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By

from browser_support import BrowserFlow, make_driver, run_flow

BASE, ADMIN_EMAIL, AGENT_EMAIL, PASSWORD, TOKEN, TICKET, ARTIFACTS = sys.argv[1:8]
ROW = f"[data-ticket-row='{TICKET}']"


def api(method, path, body):
    request = urllib.request.Request(
        BASE + "/api/v1/" + path, method=method, data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


class LiveFlow(BrowserFlow):
    def __init__(self, admin, agent):
        super().__init__(admin, BASE)
        self.admin = BrowserFlow(admin, BASE)
        self.agent = BrowserFlow(agent, BASE)
        self.figures = []

    def sign_in(self, flow, email):
        flow.go("/sign-in")
        flow.find("#email").send_keys(email)
        flow.find("#password").send_keys(PASSWORD)
        flow.find("#password").submit()
        flow.wait_url("/inbox")

    def avatars(self, flow, css):
        return [a.get_attribute("aria-label") or "" for a in flow.driver.find_elements(By.CSS_SELECTOR, css + " .presence-avatar")]

    def timeline_text(self, flow):
        return flow.driver.find_element(By.CSS_SELECTOR, ".timeline").text

    # -- the flow ----------------------------------------------------------------------------
    def both_sign_in(self):
        self.sign_in(self.admin, ADMIN_EMAIL)
        self.sign_in(self.agent, AGENT_EMAIL)
        self.admin.go("/inbox?view=open")
        self.admin.find(ROW)

    def inbox_row_shows_who_is_on_the_ticket(self):
        self.agent.go(f"/tickets/{TICKET}")
        self.agent.wait_text("#ticket-title", "Heating will not turn on")
        self.admin.wait.until(lambda d: any("Sam Support is viewing" in a for a in self.avatars(self.admin, ROW)))

    def ticket_page_shows_the_other_agent(self):
        self.admin.go(f"/tickets/{TICKET}")
        self.admin.wait.until(lambda d: any("Sam Support" in a for a in self.avatars(self.admin, ".presence-line")))
        self.agent.wait.until(lambda d: any("Alex Admin is viewing" in a for a in self.avatars(self.agent, ".presence-line")))

    def writing_is_announced(self):
        self.agent.find("#composer-body").send_keys("Let me check that for you, Pat")
        self.admin.wait_text(".presence-line", "Sam Support is writing a reply")
        self.check(any("is-writing" in (a.get_attribute("class") or "")
                       for a in self.admin.driver.find_elements(By.CSS_SELECTOR, ".presence-line .presence-avatar")),
                   "a writing agent's avatar should look different from a viewer's")

    def customer_message_appears_on_both_pages(self):
        started = time.monotonic()
        api("POST", f"tickets/{TICKET}/messages", {"kind": "reply", "author": "customer", "body": "Any news? The radiators are still cold."})
        self.admin.wait.until(lambda d: "radiators are still cold" in self.timeline_text(self.admin))
        self.figures.append(f"customer message on the WebSocket tab after {time.monotonic() - started:.2f} s")
        self.agent.wait.until(lambda d: "radiators are still cold" in self.timeline_text(self.agent))
        self.figures.append(f"on the SSE tab after {time.monotonic() - started:.2f} s")
        for flow in (self.admin, self.agent):
            marked = flow.driver.find_elements(By.CSS_SELECTOR, ".timeline-item.live-new")
            self.check(marked and "radiators are still cold" in marked[-1].text, "the new message should carry the New marker")
            flow.wait_text("[data-live-banner]", "The customer wrote again")
        draft = self.agent.find("#composer-body").get_attribute("value")
        self.check(draft == "Let me check that for you, Pat", f"Sam's draft must survive the update, it is {draft!r}")

    def colleague_note_appears(self):
        self.admin.clickable("input[name=kind][value=note]").click()
        self.admin.find("#composer-body").send_keys("Internal: the boiler firmware has a known fault.")
        self.admin.clickable("[data-send]").click()
        self.admin.wait_text(".notice", "Your internal note was added.")
        self.agent.wait.until(lambda d: "boiler firmware has a known fault" in self.timeline_text(self.agent))
        self.agent.wait_text("[data-live-banner]", "A colleague added a note.")
        draft = self.agent.find("#composer-body").get_attribute("value")
        self.check(draft == "Let me check that for you, Pat", "Sam's draft must survive the note")

    def field_change_reaches_the_side_panel(self):
        api("PATCH", f"tickets/{TICKET}", {"priority": "urgent"})
        self.agent.wait.until(lambda d: self.agent.find("#prop-priority").get_attribute("value") == "urgent")
        self.agent.wait_text("[data-live-banner]", "priority")
        self.admin.wait.until(lambda d: self.admin.find("#prop-priority").get_attribute("value") == "urgent")

    def inbox_gains_a_row_and_its_count(self):
        self.admin.go("/inbox?view=open")
        self.admin.find(ROW)
        before = int(self.admin.find("[data-count=open]").text)
        api("POST", "tickets", {"subject": "Boiler pressure keeps dropping", "requester": {"email": "kim@example.net", "name": "Kim Example"},
                                "message": {"body": "The pressure falls below one bar every night."}})
        self.admin.wait_text("[data-list=tickets]", "Boiler pressure keeps dropping")
        self.admin.wait.until(lambda d: self.admin.find("[data-count=open]").text == str(before + 1))
        self.check(self.admin.driver.find_elements(By.CSS_SELECTOR, "[data-ticket-row].live-changed"), "the new row should be marked")
        self.admin.wait.until(lambda d: any("Sam Support" in a for a in self.avatars(self.admin, ROW)))

    def avatar_goes_when_the_tab_closes(self):
        self.agent.driver.quit()
        self.agent = None
        closed = time.monotonic()
        self.admin.wait.until(lambda d: not self.avatars(self.admin, ROW))
        seconds = time.monotonic() - closed
        self.figures.append(f"avatar gone {seconds:.1f} s after the tab closed")
        self.check(seconds <= 10, f"the avatar should go within 10 s of the tab closing, it took {seconds:.1f} s")

    def run(self):
        self.step("both agents sign in", self.both_sign_in)
        self.step("the inbox row shows who is on the ticket", self.inbox_row_shows_who_is_on_the_ticket)
        self.step("the ticket page shows the other agent", self.ticket_page_shows_the_other_agent)
        self.step("writing is announced", self.writing_is_announced)
        self.step("a customer message appears on both pages", self.customer_message_appears_on_both_pages)
        self.step("a colleague's note appears", self.colleague_note_appears)
        self.step("a field change reaches the side panel", self.field_change_reaches_the_side_panel)
        self.step("the inbox gains a row and its count", self.inbox_gains_a_row_and_its_count)
        self.step("the avatar goes when the tab closes", self.avatar_goes_when_the_tab_closes)


def main():
    admin = make_driver(1280, 900)
    agent = make_driver(390, 844)
    # Sam's browser has no WebSocket (as behind a proxy that refuses upgrades): Server-Sent Events.
    agent.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.WebSocket; window.WebSocket = undefined;"})
    flow = LiveFlow(admin, agent)
    try:
        return run_flow(flow, ARTIFACTS, lambda: "live flow passed: " + "; ".join(flow.figures))
    finally:
        if flow.agent is not None:
            flow.agent.driver.quit()


if __name__ == "__main__":
    sys.exit(main())
