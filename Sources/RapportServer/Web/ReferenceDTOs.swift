import Vapor

/// A person or a named thing another record points at, as the API shows the link.
struct PersonReferenceDTO: Content, Equatable {
    let id: Int
    let name: String
    let email: String?
}

struct NamedReferenceDTO: Content, Equatable {
    let id: Int
    let name: String
}
