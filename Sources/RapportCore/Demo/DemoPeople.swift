/// Names for the demo workspace's customers, agents and organizations.
public enum DemoPeople {
    public static let firstNames = [
        "Amara", "Ben", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lars",
        "Maya", "Nikhil", "Olivia", "Pablo", "Quinn", "Rosa", "Samir", "Tess", "Umar", "Valentina", "Wen",
        "Ximena", "Yusuf", "Zoë", "Aidan", "Beatriz", "Callum", "Daniela", "Emeka", "Freya", "Gustavo", "Hana",
        "Ivan", "Julia", "Kofi", "Leila", "Mateo", "Noor", "Oskar", "Priya", "Rafael", "Sofia", "Tomás", "Uma",
        "Viktor", "Yara", "Aisha", "Bruno", "Carmen", "Dev", "Eva", "Finn", "Gabriel", "Helga", "Ibrahim",
        "Jade", "Kai", "Lucía", "Marco", "Nadia", "Omar", "Paula", "Ravi", "Sara", "Theo", "Vera", "Will",
    ]
    public static let lastNames = [
        "Okafor", "Lindqvist", "Moreau", "Petrov", "García", "Haddad", "O'Neill", "Tanaka", "Ferreira", "Becker",
        "Adeyemi", "Nilsen", "Cohen", "Sharma", "Brown", "Ruiz", "Murphy", "Santos", "Khan", "Walsh", "Farouk",
        "Rossi", "Zhang", "Hernández", "Demir", "Schneider", "Kowalski", "Novak", "Mensah", "Larsen", "Costa",
        "Yamamoto", "Ivanova", "Fischer", "Mwangi", "Dubois", "Silva", "Nakamura", "Jensen", "Popescu", "Ali",
        "Andersson", "Bianchi", "Castillo", "Dlamini", "Evans", "Fernández", "Gupta", "Horvat", "Ito",
    ]
    public static let organizations = [
        ("Harbor Street Dental", "harborstreetdental.example"),
        ("Oakline Property Group", "oakline.example"),
        ("Brightwater Schools Trust", "brightwater.example"),
        ("Kestrel Coworking", "kestrelcowork.example"),
        ("Meridian Boutique Hotels", "meridianhotels.example"),
        ("Fernhill Veterinary", "fernhillvets.example"),
        ("Northgate Libraries", "northgatelibraries.example"),
        ("Copperleaf Cafés", "copperleaf.example"),
    ]
    public static let personalMailDomains = ["mail.example", "post.example", "inbox.example", "webmail.example"]

    /// The demo agents: name, role, team.
    public static let agents: [(name: String, isAdmin: Bool, team: String)] = [
        ("Rowan Achebe", true, "Customer Care"),
        ("Mira Castellanos", false, "Customer Care"),
        ("Theo Lindgren", false, "Customer Care"),
        ("Salma Idris", false, "Technical Support"),
        ("Jun Park", false, "Technical Support"),
        ("Nora Whitfield", false, "Billing"),
        ("Felix Baptiste", false, "Billing"),
    ]

    public static let teams = ["Customer Care", "Technical Support", "Billing"]
}
