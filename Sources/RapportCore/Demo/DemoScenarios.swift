/// The kinds of support conversation the demo workspace is made of. The company is a fictional
/// maker of smart thermostats and sensors with a companion app and a monthly plan ("Lumen Plus").
///
/// Each scenario holds threads: an opening, the agent's answer, the customer's follow-up and the
/// resolution, written to follow on from one another.
///
/// Placeholders: `{customer}` customer's first name, `{agent}` agent's first name, `{order}` an
/// order number, `{device}` a device name, `{amount}` a sum of money, `{days}` a few days.
struct DemoScenario: Sendable {
    let team: String
    let tags: [String]
    let priority: TicketPriority
    let threads: [DemoThread]
    let internalNotes: [String]
}

struct DemoThread: Sendable {
    let subjects: [String]
    let opening: String
    let agentReply: String
    let customerFollowUp: String
    let resolution: String
}

extension DemoScenario {
    static let all: [DemoScenario] = [
        DemoScenario(
            team: "Customer Care", tags: ["shipping", "order"], priority: .normal,
            threads: [
                DemoThread(
                    subjects: ["Tracking hasn't updated for {order}"],
                    opening:
                        "Hi,\n\nI ordered a {device} on the 3rd (order {order}) and the tracking page hasn't moved in {days} days. It still says \"label created\". Can you tell me what's going on?\n\nThanks,\n{customer}",
                    agentReply:
                        "Hi {customer},\n\nThanks for getting in touch, and sorry the wait has been so long. I've checked order {order} with our warehouse: it left us on Tuesday but the courier scanned it into the wrong depot. They've rerouted it and the new delivery estimate is Thursday.\n\nI'll keep an eye on the tracking myself and write to you again on Thursday afternoon either way.\n\nBest wishes,\n{agent}",
                    customerFollowUp: "Got a text from the courier saying tomorrow. Fingers crossed!",
                    resolution:
                        "Hi {customer},\n\nGood news: the courier confirmed delivery this morning. I hope the {device} is everything you wanted. If anything about setting it up is unclear, just reply here and I'll help.\n\nAll the best,\n{agent}"
                ),
                DemoThread(
                    subjects: ["Order {order} still not delivered"],
                    opening:
                        "Hello, my order {order} was supposed to arrive last Friday. Nothing yet and the courier's site just says \"in transit\". I need it before my parents visit next week. Could you check?\n\n{customer}",
                    agentReply:
                        "Hello {customer},\n\nI'm sorry your {device} hasn't arrived yet. I've opened an investigation with the courier for {order}; they usually answer within 48 hours. If it turns out to be lost, I'll send a replacement by express at no cost.\n\nIs the delivery address on the order still the best one to use?\n\nKind regards,\n{agent}",
                    customerFollowUp: "Thanks {agent}, that's helpful. Yes, the address is right.",
                    resolution:
                        "Hi {customer},\n\nGood news: the courier confirmed delivery this morning. I hope the {device} is everything you wanted. If anything about setting it up is unclear, just reply here and I'll help.\n\nAll the best,\n{agent}"
                ),
                DemoThread(
                    subjects: ["Where is my order {order}?"],
                    opening:
                        "Hey there - any news on {order}? The confirmation email said 2-3 working days and it's been over a week.",
                    agentReply:
                        "Hello {customer},\n\nI'm sorry your {device} hasn't arrived yet. I've opened an investigation with the courier for {order}; they usually answer within 48 hours. If it turns out to be lost, I'll send a replacement by express at no cost.\n\nIs the delivery address on the order still the best one to use?\n\nKind regards,\n{agent}",
                    customerFollowUp: "It still hasn't come today. Is the replacement still an option?",
                    resolution:
                        "Hi {customer},\n\nI've sent a replacement {device} by express (tracking will follow by email) and cancelled the lost parcel. You don't need to return anything if the first one turns up; just let us know.\n\nAnything else I can do for you?\n\n{agent}"
                ),
            ],
            internalNotes: [
                "Courier ticket opened, ref CR-{order}. Follow up Thursday.",
                "Warehouse confirms dispatch on the 5th; depot misroute.",
            ]
        ),
        DemoScenario(
            team: "Billing", tags: ["billing", "refund"], priority: .high,
            threads: [
                DemoThread(
                    subjects: ["Charged twice this month", "Double payment for Lumen Plus"],
                    opening:
                        "Hi,\n\nI've just looked at my bank statement and I was charged {amount} twice on the 1st for Lumen Plus. I only have one account. Please refund the duplicate.\n\n{customer}",
                    agentReply:
                        "Hello {customer},\n\nI can see both charges and I understand how worrying an unexpected payment is. I've started the refund for the duplicate {amount} and will confirm here as soon as the bank accepts it.\n\nCould you tell me the last four digits of the card, so I can make sure both charges were on the same one?\n\nThanks,\n{agent}",
                    customerFollowUp: "Same card, ending 4417. Thanks for sorting it.",
                    resolution:
                        "Hi {customer},\n\nThe bank has confirmed the refund of {amount} (reference RF-{order}). If it isn't on your statement by Friday, reply here and I'll chase it with them personally.\n\nThanks for your patience,\n{agent}"
                ),
                DemoThread(
                    subjects: ["Why was I billed {amount} twice?"],
                    opening:
                        "Hello, there are two identical charges of {amount} on my card from you this month. I'm not happy about this - money is tight at the moment. What happened?",
                    agentReply:
                        "Hi {customer},\n\nI'm really sorry about that, and thank you for flagging it so quickly. You're right: a payment retry went through after the first charge had already succeeded. I've refunded the second {amount} just now; it usually shows on your statement within 3-5 working days.\n\nI've also added a note to your account so it can't happen on the next renewal.\n\nWarm regards,\n{agent}",
                    customerFollowUp: "It's been five days and I still don't see the refund.",
                    resolution:
                        "Hi {customer},\n\nI checked with our payment provider: the refund was sent on Monday and your bank shows it as processing. It should appear within two more working days. I've set myself a reminder to check on Thursday.\n\nAnything else I can help with in the meantime?\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Charged twice this month", "Double payment for Lumen Plus"],
                    opening:
                        "Hi,\n\nI've just looked at my bank statement and I was charged {amount} twice on the 1st for Lumen Plus. I only have one account. Please refund the duplicate.\n\n{customer}",
                    agentReply:
                        "Hi {customer},\n\nI'm really sorry about that, and thank you for flagging it so quickly. You're right: a payment retry went through after the first charge had already succeeded. I've refunded the second {amount} just now; it usually shows on your statement within 3-5 working days.\n\nI've also added a note to your account so it can't happen on the next renewal.\n\nWarm regards,\n{agent}",
                    customerFollowUp: "Thank you. I'll keep an eye on my statement.",
                    resolution:
                        "Hi {customer},\n\nThe bank has confirmed the refund of {amount} (reference RF-{order}). If it isn't on your statement by Friday, reply here and I'll chase it with them personally.\n\nThanks for your patience,\n{agent}"
                ),
            ],
            internalNotes: [
                "Duplicate caused by retry after gateway timeout. Refunded via dashboard.",
                "Escalated to payments team - second case this week with the same retry pattern.",
            ]
        ),
        DemoScenario(
            team: "Technical Support", tags: ["setup", "wifi"], priority: .normal,
            threads: [
                DemoThread(
                    subjects: ["Thermostat won't connect to Wi-Fi", "Setup stuck at 'connecting'"],
                    opening:
                        "Hi, I'm trying to set up my new {device} and it gets stuck on \"Connecting to Wi-Fi\" every time. My router is a few metres away. I've tried three times. What am I doing wrong?",
                    agentReply:
                        "Hi {customer},\n\nThanks for the detail, that helps a lot. An orange blink at that step usually means the {device} found your network but couldn't finish joining it. Two things fix this in most homes:\n\n1. Make sure the network you choose is the 2.4 GHz one (the {device} doesn't use 5 GHz).\n2. If your router uses WPA3 only, switch it to WPA2/WPA3 mixed mode.\n\nCould you try that and tell me what the light does?\n\nBest,\n{agent}",
                    customerFollowUp: "It was on the 5 GHz network! Switched and it connected straight away. Thanks.",
                    resolution:
                        "Hi {customer},\n\nGreat to hear it's connected. The schedule you set during setup is saved, so it will start following it tonight. If it ever goes offline again, reply here and I'll look at the logs.\n\nEnjoy the warmer evenings,\n{agent}"
                ),
                DemoThread(
                    subjects: ["{device} keeps dropping off the network"],
                    opening:
                        "Hello,\n\nmy {device} worked fine for two months but since last week it goes offline every evening and the app shows \"Device unreachable\". Nothing changed on my network as far as I know.\n\nRegards,\n{customer}",
                    agentReply:
                        "Hello {customer},\n\nSorry it's been dropping off. From the logs I can see it loses the connection around 7pm and reconnects overnight, which often points to a router that changes channel automatically when the neighbours get busy. Could you send me your router model? Meanwhile, restarting the {device} from Settings > Device > Restart should bring it back.\n\nThanks,\n{agent}",
                    customerFollowUp: "Router is a Fritzbox 7530. I restarted the thermostat and it's back for now.",
                    resolution:
                        "Hi {customer},\n\nThanks, that helps. The Fritzbox 7530 switches Wi-Fi channel on its own when the neighbours get busy, which is what knocks the {device} off in the evening. Setting a fixed channel (Wi-Fi > Radio Channel > 6) stops it; I've also made your {device} reconnect faster if it ever does drop.\n\nIf it goes offline again this week, reply here and I'll look at the logs straight away.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Setup stuck at 'connecting'"],
                    opening:
                        "The setup keeps failing at the last step. The light blinks orange. I have a mesh network if that matters.",
                    agentReply:
                        "Hi {customer},\n\nThanks for the detail, that helps a lot. An orange blink at that step usually means the {device} found your network but couldn't finish joining it. Two things fix this in most homes:\n\n1. Make sure the network you choose is the 2.4 GHz one (the {device} doesn't use 5 GHz).\n2. If your router uses WPA3 only, switch it to WPA2/WPA3 mixed mode.\n\nCould you try that and tell me what the light does?\n\nBest,\n{agent}",
                    customerFollowUp: "Tried both, still orange. Is the unit faulty?",
                    resolution:
                        "Hi {customer},\n\nThanks for trying everything. Since it still won't join, I've arranged a replacement unit, which ships tomorrow with a prepaid label for the old one. I'm sorry for the hassle, and I'll stay on this ticket until the new one is up and running.\n\n{agent}"
                ),
            ],
            internalNotes: [
                "Logs show auth failures with WPA3-only AP. Known firmware issue, fix in 4.2.",
                "Possibly faulty radio - RMA approved.",
            ]
        ),
        DemoScenario(
            team: "Technical Support", tags: ["app", "login"], priority: .high,
            threads: [
                DemoThread(
                    subjects: ["Can't log in to the app"],
                    opening:
                        "I can't log into the Lumen app since this morning. It says my password is wrong but I haven't changed it. The reset email never arrives either (checked spam). The house is freezing and I can't change the temperature!",
                    agentReply:
                        "Hi {customer},\n\nI'm sorry you're locked out, especially with the house cold. While we sort out the login, you can still change the temperature on the {device} itself by turning the ring.\n\nI can see the reset emails were blocked by your mail provider. I've just sent a fresh link from a different address; it's valid for one hour.\n\nLet me know as soon as you're in,\n{agent}",
                    customerFollowUp: "Got it this time, I'm back in. Thank you so much.",
                    resolution:
                        "Hi {customer},\n\nGlad you're back in! I've also added your address to our mail provider's allow list, so future emails from us should arrive normally. Is there anything else I can help you with?\n\nBest,\n{agent}"
                ),
                DemoThread(
                    subjects: ["Password reset email never arrives", "Locked out of my account"],
                    opening:
                        "Hi, I requested a password reset four times and got nothing. My email is the one I'm writing from.",
                    agentReply:
                        "Hello {customer},\n\nThanks for your patience. Your account was temporarily locked after several attempts, which is a safety measure. I've unlocked it and sent you a new reset link just now.\n\nIf it doesn't arrive within ten minutes, reply here and I'll set a temporary password with you by phone.\n\n{agent}",
                    customerFollowUp: "Still nothing arriving. Could you call me instead?",
                    resolution:
                        "Hi {customer},\n\nThanks for taking my call earlier. As agreed, the temporary password is set and you've changed it in the app. I'll close this for now, but just reply if anything else comes up.\n\n{agent}"
                ),
            ],
            internalNotes: [
                "Provider bounced our resets with 550 policy rejection. Asked mail ops to check SPF.",
                "Verified identity over the phone before resetting.",
            ]
        ),
        DemoScenario(
            team: "Customer Care", tags: ["returns"], priority: .normal,
            threads: [
                DemoThread(
                    subjects: ["Return request for order {order}", "How do I return the {device}?"],
                    opening:
                        "Hello,\n\nI'd like to return the {device} from order {order}. It works fine but it doesn't fit the wall plate in our old house. How do I go about it?\n\nThanks,\n{customer}",
                    agentReply:
                        "Hi {customer},\n\nOf course, and thanks for letting us know why. You're well within the 30-day window for order {order}. I've emailed you a prepaid return label; drop the parcel at any post office. Your refund of {amount} goes out as soon as it's scanned in at our warehouse.\n\nIf an adapter plate would solve the fit instead, I'm happy to send one free - just say the word.\n\nBest,\n{agent}",
                    customerFollowUp: "Oh, an adapter plate would be great actually. Can we do that instead?",
                    resolution:
                        "Hi {customer},\n\nThe adapter plate is on its way (delivery in {days} days) and I've cancelled the return label. If it still doesn't fit, the return offer stands until the end of the month.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Want to send back a sensor"],
                    opening:
                        "Hi, I bought two room sensors but only need one. Can I return the second one? It's unopened.",
                    agentReply:
                        "Hello {customer},\n\nYes, no problem at all. I've created the return and attached the label to this email. Once it reaches us, the refund is usually processed within two days.\n\n{agent}",
                    customerFollowUp: "Sent it today, thanks.",
                    resolution:
                        "Hi {customer},\n\nYour parcel arrived and the refund of {amount} has been issued to your original payment method. Thanks for giving us a try, and if we can help with anything else, just reply.\n\n{agent}"
                ),
            ],
            internalNotes: ["Adapter plate AP-2 sent from spare stock.", "Return label RL-{order} generated."]
        ),
        DemoScenario(
            team: "Billing", tags: ["billing", "cancellation"], priority: .normal,
            threads: [
                DemoThread(
                    subjects: ["Cancel my Lumen Plus subscription", "How do I downgrade?"],
                    opening:
                        "I want to cancel Lumen Plus. I don't use the energy reports and {amount} a month adds up. Please confirm.",
                    agentReply:
                        "Hi {customer},\n\nThanks for telling us why, that's really useful. I've set your plan to end at the close of the current billing period, so you won't be charged again. Your {device} keeps working with the free features: schedules, remote control and alerts.\n\nIf it's the price rather than the features, we also have an annual option that works out 30% cheaper - happy to switch you instead if you'd like.\n\nBest wishes,\n{agent}",
                    customerFollowUp: "Annual sounds better actually, let's do that.",
                    resolution:
                        "Hi {customer},\n\nDone: you're on the annual plan from today, and I've credited the unused part of this month. Anything else I can help with?\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Please stop my plan"],
                    opening:
                        "Hi, we're moving house next month and won't need the plan anymore. How do I cancel without losing my device history?",
                    agentReply:
                        "Hello {customer},\n\nCongratulations on the move! Your history stays attached to your account even without the plan, so nothing is lost. I've scheduled the cancellation for the end of the month. When you're settled in, you can move the {device} to the new home from the app.\n\n{agent}",
                    customerFollowUp: "Perfect, thank you for making that easy.",
                    resolution:
                        "Hi {customer},\n\nAll set. You'll get a confirmation email at the end of the month when the plan ends. Good luck with the move!\n\n{agent}"
                ),
            ],
            internalNotes: ["Retention offer made (annual).", "Cancellation scheduled for period end."]
        ),
        DemoScenario(
            team: "Technical Support", tags: ["bug", "schedule"], priority: .high,
            threads: [
                DemoThread(
                    subjects: ["Schedule ignored after the update", "Heating comes on at 3am"],
                    opening:
                        "Since the firmware update on Sunday my {device} ignores the schedule completely. Last night the heating came on at 3am and woke the baby. This is really frustrating. Please fix this ASAP.",
                    agentReply:
                        "Hi {customer},\n\nI'm so sorry - a 3am wake-up is the last thing anyone needs, and it's our update that caused it. We've found the problem: for some homes the update shifted schedules by the time-zone offset. The fix is rolling out today as version 4.2.1.\n\nUntil it reaches you, switching the time zone in Settings > Home to another value and back corrects the schedule. I'll confirm here once your device has the fix.\n\n{agent}",
                    customerFollowUp: "The time zone trick worked, thanks.",
                    resolution:
                        "Hi {customer},\n\nVersion 4.2.1 installed on your {device} last night and your schedule is back to normal. Thanks for bearing with us, and sorry again for the disruption.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Firmware update broke my schedule"],
                    opening:
                        "Hi,\n\nafter the latest update the weekend schedule is applied on weekdays. I've re-saved it twice.\n\nRegards,\n{customer}",
                    agentReply:
                        "Hello {customer},\n\nThanks for reporting this so clearly. I've reproduced it: the weekday and weekend blocks got swapped for devices that were set up before 2024. The engineers have a fix in testing. I'll update you the moment it's released, and in the meantime the workaround is to save the weekday schedule under \"weekend\" and vice versa.\n\n{agent}",
                    customerFollowUp: "Is the fix out yet?",
                    resolution:
                        "Hi {customer},\n\nThe fix is released and your device updated this morning. You can switch the schedules back to how they were. Let me know if anything looks off.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Firmware update broke my schedule"],
                    opening:
                        "Hi,\n\nafter the latest update the weekend schedule is applied on weekdays. I've re-saved it twice.\n\nRegards,\n{customer}",
                    agentReply:
                        "Hello {customer},\n\nThanks for reporting this so clearly. I've reproduced it: the weekday and weekend blocks got swapped for devices that were set up before 2024. The engineers have a fix in testing. I'll update you the moment it's released, and in the meantime the workaround is to save the weekday schedule under \"weekend\" and vice versa.\n\n{agent}",
                    customerFollowUp: "OK, I'll wait for the fix.",
                    resolution:
                        "Hi {customer},\n\nThe fix is released and your device updated this morning. You can switch the schedules back to how they were. Let me know if anything looks off.\n\n{agent}"
                ),
            ],
            internalNotes: [
                "Linked to engineering issue FW-1182 (tz offset in schedule migration).",
                "Customer has an infant - prioritised.",
            ]
        ),
        DemoScenario(
            team: "Customer Care", tags: ["feature-request"], priority: .low,
            threads: [
                DemoThread(
                    subjects: ["Feature request: holiday mode", "Suggestion for the app"],
                    opening:
                        "Hi! Love the thermostat. One thing I miss: a holiday mode where I set the dates and it keeps the house at 12 degrees until the day before I'm back. Any plans?",
                    agentReply:
                        "Hi {customer},\n\nThank you, that's lovely to hear! Great news: a holiday mode is on our roadmap for the spring release. I've added your vote and your description (especially the \"warm up the day before\" part, which is a great idea) to the request.\n\nIn the meantime, an \"Away\" schedule plus the geofencing option gets close. Want me to send the steps?\n\n{agent}",
                    customerFollowUp: "Yes please, send the steps.",
                    resolution:
                        "Hi {customer},\n\nHere are the steps: Schedules > New > Away, set 12 degrees, then switch on Settings > Presence > Geofencing. I'll let you know personally when holiday mode ships.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Could the app show humidity history?", "Suggestion for the app"],
                    opening:
                        "Would it be possible to see humidity over the past month, not just today? Would help with our damp problem.",
                    agentReply:
                        "Hello {customer},\n\nThanks for the suggestion. Longer humidity history is something several customers have asked for, and I've passed yours to the product team with your use case. Right now the app keeps 7 days, and Lumen Plus keeps 12 months in the energy report.\n\n{agent}",
                    customerFollowUp: "Thanks, good to know.",
                    resolution:
                        "Hi {customer},\n\nI've recorded the request and linked your ticket, so you'll hear from us when it ships. Thanks again for helping us improve!\n\n{agent}"
                ),
            ],
            internalNotes: ["+1 on PROD-77 holiday mode.", "+1 on PROD-91 humidity history."]
        ),
        DemoScenario(
            team: "Billing", tags: ["invoice", "business"], priority: .normal,
            threads: [
                DemoThread(
                    subjects: ["Need a VAT invoice for {order}", "Invoice with company details"],
                    opening:
                        "Hello,\n\nFor our accounts I need an invoice for order {order} with our company name and VAT number (GB 123 4567 89). The one in the email only shows my name.\n\nMany thanks,\n{customer}",
                    agentReply:
                        "Hi {customer},\n\nOf course. I've reissued the invoice for {order} with your company name and VAT number; it's attached to this email and also available under Account > Invoices.\n\nWould you like me to add the company details to your account so future invoices include them automatically?\n\nBest regards,\n{agent}",
                    customerFollowUp: "Yes, please add them to the account. Thanks!",
                    resolution:
                        "Hi {customer},\n\nDone - all future invoices will include your company details. Anything else I can do for you?\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Update billing address on invoices"],
                    opening:
                        "Hi, could you reissue last quarter's invoices with our new office address? We moved in August.",
                    agentReply:
                        "Hello {customer},\n\nHappy to help. I've updated the billing address and regenerated the invoices for July to September; you'll find them attached.\n\n{agent}",
                    customerFollowUp: "Perfect, thanks.",
                    resolution:
                        "Hi {customer},\n\nGlad that's sorted. Just reply here if the accountants need anything else.\n\n{agent}"
                ),
            ],
            internalNotes: ["VAT number verified in VIES.", "Invoices regenerated from billing admin."]
        ),
        DemoScenario(
            team: "Technical Support", tags: ["hardware", "battery"], priority: .normal,
            threads: [
                DemoThread(
                    subjects: ["Room sensor battery drains fast", "Battery warning after two weeks"],
                    opening:
                        "My kitchen sensor's batteries are flat after two weeks. The others last months. I've tried branded batteries. Is it broken?",
                    agentReply:
                        "Hi {customer},\n\nThanks for trying different batteries already, that rules out the obvious. A sensor that drains this fast is usually too far from the {device} and keeps retrying. Could you tell me roughly how far the kitchen is from the thermostat, and whether there's a fridge or metal cabinet in between?\n\n{agent}",
                    customerFollowUp: "It's behind the fridge, about 10 metres away.",
                    resolution:
                        "Hi {customer},\n\nThat explains it - fridges block the signal. Moving the sensor to the other side of the doorway should bring battery life back to normal. If not, I'll replace it straight away.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Sensor shows offline every few days"],
                    opening:
                        "Hi, the bedroom sensor keeps going offline. It comes back if I take the batteries out and in again.",
                    agentReply:
                        "Hello {customer},\n\nSorry about the disconnects. I can see from the logs that the sensor loses its pairing each time. Could you re-pair it from Devices > Bedroom sensor > Re-pair? If that doesn't hold, I'll send a replacement.\n\n{agent}",
                    customerFollowUp: "Happened again last night.",
                    resolution:
                        "Hi {customer},\n\nI've sent a replacement sensor; it should arrive in {days} days and comes already paired to your home. Sorry for the trouble!\n\n{agent}"
                ),
            ],
            internalNotes: [
                "RSSI -91 dBm on kitchen sensor.", "Replacement approved, batch 2311 has known pairing issue.",
            ]
        ),
        DemoScenario(
            team: "Customer Care", tags: ["complaint"], priority: .high,
            threads: [
                DemoThread(
                    subjects: ["Very disappointed with support", "Third time asking about this"],
                    opening:
                        "This is the third time I'm writing about the same issue and nobody has given me a straight answer. I've been without proper heating for a week. If this isn't resolved I'm going to cancel and leave a review telling people to avoid you.",
                    agentReply:
                        "Hi {customer},\n\nI'm truly sorry. You shouldn't have had to write three times, and a week without proper heating is not acceptable. I've read through all your earlier messages and I'm taking this on personally from here.\n\nA technician can visit tomorrow between 8am and 12pm. Does that work for you? I'll call you this afternoon to confirm either way.\n\n{agent}",
                    customerFollowUp: "Tomorrow morning is fine. Thank you for actually listening.",
                    resolution:
                        "Hi {customer},\n\nThe technician replaced the wiring adapter this morning and your heating is back to normal. I've also refunded last month's plan fee for the trouble. Thank you for giving us another chance; please come straight to me if anything else comes up.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Unacceptable wait", "Very disappointed with support"],
                    opening:
                        "I waited 40 minutes on the phone yesterday and then got cut off. I just want someone to take responsibility and fix my thermostat.",
                    agentReply:
                        "Hello {customer},\n\nI'm very sorry about the wait and the dropped call - that's not the experience we want anyone to have. I'm now your single point of contact for this. I've booked a replacement {device} to go out today by express, and I'll ring you at a time that suits you to set it up together.\n\nWhat time works best?\n\n{agent}",
                    customerFollowUp: "Call me at 5pm please.",
                    resolution:
                        "Hi {customer},\n\nThanks for your time on the phone - great to see the new {device} online and heating. I've added a month of Lumen Plus free to your account. Anything else I can help with?\n\n{agent}"
                ),
            ],
            internalNotes: [
                "Previous tickets were merged late; customer repeated themselves. Lesson for team meeting.",
                "Goodwill: one month refund approved by team lead.",
            ]
        ),
        DemoScenario(
            team: "Technical Support", tags: ["integration", "smart-home"], priority: .low,
            threads: [
                DemoThread(
                    subjects: ["Does the {device} work with Home Assistant?", "API access for my own dashboard"],
                    opening:
                        "Hi, does the {device} have a local API or Home Assistant integration? I'd rather not depend on the cloud for everything.",
                    agentReply:
                        "Hi {customer},\n\nGood question! Yes: the {device} supports a local API on your network. Switch it on in Settings > Advanced > Local API, and the Home Assistant integration will find it automatically. Here's our guide with the details: https://help.lumen.example/local-api\n\n{agent}",
                    customerFollowUp: "Found it, works perfectly. Great product.",
                    resolution:
                        "Hi {customer},\n\nBrilliant, enjoy tinkering! If you build something neat, we'd love to hear about it.\n\n{agent}"
                ),
                DemoThread(
                    subjects: ["Voice assistant integration not responding"],
                    opening:
                        "Since yesterday my voice assistant says \"Lumen is not responding\" when I ask it to change the temperature. The app works fine.",
                    agentReply:
                        "Hello {customer},\n\nThanks for letting us know. There was a short outage with the voice assistant link yesterday evening; it's resolved now. Could you try unlinking and relinking Lumen in the assistant's app? That refreshes the connection.\n\n{agent}",
                    customerFollowUp: "Relinked and it works again.",
                    resolution:
                        "Hi {customer},\n\nGreat, glad it's working again. Sorry for the interruption - let me know if it happens again.\n\n{agent}"
                ),
            ],
            internalNotes: ["Voice link outage 18:40-19:25 yesterday, status page updated."]
        ),
    ]
}
