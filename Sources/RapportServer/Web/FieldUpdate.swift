/// A value in a partial update: left alone, or set (possibly to nothing).
enum FieldUpdate<Value: Sendable & Equatable>: Sendable, Equatable {
    case unchanged
    case set(Value?)
}
