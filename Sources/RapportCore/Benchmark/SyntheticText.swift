import Foundation

/// Writes the messages of the synthetic desk: support prose built from sentence patterns whose
/// slots are filled from word lists, so bodies read like a conversation and the search index
/// sees a realistic spread of common words, product names and one-off order numbers.
struct TextWriter {
    let topic: SyntheticDesk.Topic
    let customerFirstName: String

    static let shortest = 200.0, longest = 2_000.0

    /// A body of 200 to 2,000 characters, short ones more common (log-uniform lengths).
    func body(fromCustomer: Bool, mentioning word: String?, using random: inout DemoRandom) -> String {
        let target = Int(exp(Double.random(in: log(Self.shortest)...log(Self.longest), using: &random)))
        var text = ""
        text.reserveCapacity(target + 200)
        text += fromCustomer ? random.pick(Self.customerGreetings) : "Hi \(customerFirstName),"
        text += "\n\n"
        text += fill(random.pick(fromCustomer ? topic.customerLines : topic.agentLines), using: &random)
        if let word { text += " Is this covered by the \(word), or do I need to pay for it?" }
        let lines = fromCustomer ? Self.customerLines : Self.agentLines
        let closing =
            fromCustomer ? "\n\n\(random.pick(Self.customerClosings))" : "\n\n\(random.pick(Self.agentClosings))"
        while text.utf8.count + closing.utf8.count < target {
            text += random.chance(0.2) ? "\n\n" : " "
            text += fill(
                random.pick(random.chance(0.4) ? (fromCustomer ? topic.customerLines : topic.agentLines) : lines),
                using: &random)
        }
        text += closing
        if text.utf8.count > Int(Self.longest) {
            var cut = text.prefix(Int(Self.longest))
            if let space = cut.lastIndex(of: " ") { cut = cut[..<space] }
            text = String(cut)
        }
        return text
    }

    /// Replaces each `{slot}` in a pattern with a word from its list.
    func fill(_ pattern: String, using random: inout DemoRandom) -> String {
        guard pattern.contains("{") else { return pattern }
        var result = ""
        result.reserveCapacity(pattern.utf8.count + 40)
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let slot = rest[rest.index(after: open)..<close]
            switch slot {
            case "product": result += random.pick(topic.products)
            case "number": result += String(Int.random(in: 10_000...999_999, using: &random))
            case "day": result += random.pick(Self.days)
            case "time": result += random.pick(Self.times)
            case "thing": result += random.pick(Self.things)
            case "feeling": result += random.pick(Self.feelings)
            case "step": result += random.pick(Self.steps)
            case "name": result += customerFirstName
            default: result += slot
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    static let customerGreetings = [
        "Hi,", "Hello,", "Hello there,", "Good morning,", "Hi team,", "Dear support,", "Hey,",
    ]
    static let customerClosings = [
        "Thanks", "Thank you", "Many thanks", "Cheers", "Kind regards", "Thanks in advance", "Best",
    ]
    static let agentClosings = [
        "Is there anything else I can help you with?\n\nBest regards",
        "Let me know if anything is unclear, I am happy to help.\n\nKind regards",
        "If you need anything else, just reply to this email.\n\nThanks",
        "I will keep this ticket open until you confirm it works.\n\nBest",
    ]
    static let days = [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "yesterday", "this morning",
        "last week",
    ]
    static let times = [
        "9am", "around noon", "2:30pm", "late in the evening", "early this morning", "after lunch", "overnight",
    ]
    static let things = [
        "the dashboard", "the mobile app", "my account page", "the invoice", "the confirmation email",
        "the settings screen",
        "the login page", "the checkout", "the export", "the report", "the password reset link", "the admin panel",
    ]
    static let feelings = [
        "frustrated", "a bit confused", "worried", "disappointed", "really pleased", "in a hurry", "stuck",
    ]
    static let steps = [
        "clear the browser cache", "sign out and back in", "update the app to the latest version", "restart the device",
        "try a private browser window", "check the spam folder", "reset the password", "re-enter the card details",
    ]

    static let customerLines = [
        "I tried again on {day} at {time} and it still does not work.",
        "My order number is {number}, in case that helps.",
        "I have been a customer for years and never had this problem before.",
        "Honestly I am {feeling} because I need this sorted before {day}.",
        "When I open {thing} it just shows a blank page.",
        "I already tried to {step} but nothing changed.",
        "Could you please look into it as soon as possible?",
        "The reference on my bank statement is {number}.",
        "A colleague of mine sees the same thing on {thing}.",
        "It worked fine until {day}, then it stopped.",
        "I attached a screenshot of {thing} so you can see what I mean.",
        "Can someone call me back? I am available {time}.",
        "Is there a way to do this without contacting you every time?",
        "I followed the help article but step three does not match what I see.",
        "We are a small team and this is blocking all of us.",
        "Please let me know what else you need from me.",
    ]
    static let agentLines = [
        "Thank you for the details, they helped a lot.",
        "I am sorry for the trouble this has caused you.",
        "I checked your account and I can see what happened on {day}.",
        "Here is what I can do right away: I have reset {thing} on our side.",
        "Could you please {step} and tell me whether that helps?",
        "I have passed this to our engineers with reference {number} and will update you by {day}.",
        "I understand this is {feeling}-making, and I want to get it right for you.",
        "You can also find step-by-step instructions in our help center.",
        "I have applied a credit to your account, reference {number}.",
        "Our team fixed a problem with {thing} {day}, so it should work now.",
        "I will check back with you {time} to make sure everything is fine.",
        "If it happens again, please send me the time it happened and a screenshot.",
        "I can see two payments with reference {number}; I have refunded the second one.",
        "Thanks for your patience while we looked into this.",
    ]
}

extension SyntheticDesk {
    /// What a ticket is about: the subjects, products and first lines that go with it.
    struct Topic: Sendable {
        let subjects: [String]
        let products: [String]
        let customerLines: [String]
        let agentLines: [String]
    }

    static let topics: [Topic] = [
        Topic(
            subjects: [
                "Charged twice", "Refund request", "Invoice is wrong", "Cannot update my card",
                "Question about my bill", "Subscription renewal",
            ],
            products: [
                "the annual plan", "the monthly plan", "the team plan", "my subscription", "the upgrade",
                "the gift card",
            ],
            customerLines: [
                "I was charged twice for {product} this month.",
                "The invoice for {product} shows the wrong amount, order {number}.",
                "I cancelled {product} on {day} but I was billed again.",
            ],
            agentLines: [
                "I can see the payment for {product} and I have started the refund.",
                "I corrected the invoice for {product}; the new one is attached.",
            ]),
        Topic(
            subjects: [
                "Cannot sign in", "Password reset not arriving", "Account locked", "Two-factor code not working",
                "Login loop",
            ],
            products: ["the web app", "the iPhone app", "the Android app", "the desktop client", "single sign-on"],
            customerLines: [
                "I cannot sign in to {product} since {day}.", "The password reset email for {product} never arrives.",
                "My account got locked after I mistyped my password in {product}.",
            ],
            agentLines: [
                "I unlocked your account; you can sign in to {product} again.",
                "I sent a fresh reset link for {product}, it is valid for one hour.",
            ]),
        Topic(
            subjects: [
                "Where is my order", "Delivery delayed", "Parcel damaged", "Wrong item received", "Return label",
            ],
            products: [
                "the blue kettle", "the standing desk", "the headphones", "the coffee grinder", "the office chair",
                "the lamp",
            ],
            customerLines: [
                "My order {number} for {product} has not arrived yet.",
                "{product} arrived damaged, the box was crushed.",
                "I received {product} but I ordered a different colour.",
            ],
            agentLines: [
                "The courier confirms {product} is on its way and should arrive {day}.",
                "I have arranged a replacement for {product} at no cost.",
            ]),
        Topic(
            subjects: [
                "App crashes on start", "Sync stopped working", "Export fails", "Error message when saving",
                "Slow performance",
            ],
            products: [
                "version 4.2", "the calendar sync", "the CSV export", "the reporting module", "the offline mode",
                "the integration",
            ],
            customerLines: [
                "{product} crashes every time I open it.",
                "Since the update, {product} shows an error and loses my changes.",
                "{product} has been very slow since {day}.",
            ],
            agentLines: [
                "We found the cause of the problem with {product} and released a fix.",
                "Please send me the log file from {product} so I can look closer.",
            ]),
        Topic(
            subjects: [
                "How do I add a user", "Feature question", "Can I change my plan", "Setting up the integration",
                "Importing my data",
            ],
            products: ["user roles", "the API", "the import tool", "custom fields", "the mobile app", "notifications"],
            customerLines: [
                "How do I set up {product} for my team?", "Is it possible to use {product} on the basic plan?",
                "I would like to move our data over with {product}.",
            ],
            agentLines: [
                "Yes, {product} is included in your plan; here is how to switch it on.",
                "I wrote down the steps for {product} below.",
            ]),
    ]

    static let subjectTails = [
        "", "", "", "", "- urgent", "again", "(order question)", "please help", "since the update", "for my team",
    ]
    static let companyWords = [
        "Harbor", "Oakline", "Brightwater", "Kestrel", "Meridian", "Fernhill", "Northgate", "Copperleaf", "Bluebell",
        "Summit",
    ]
    static let companyKinds = [
        "Dental", "Property", "Schools", "Coworking", "Hotels", "Veterinary", "Libraries", "Cafés", "Logistics",
        "Studios",
    ]
    static let tagNames = [
        "billing", "login", "bug", "shipping", "refund", "feature-request", "vip", "mobile", "onboarding", "invoice",
        "sync", "export", "api", "password", "delivery", "damaged", "returns", "performance", "integration",
        "plan-change",
        "two-factor", "crash", "import", "notifications", "feedback", "complaint", "churn-risk", "enterprise", "trial",
        "spam",
    ]
}
