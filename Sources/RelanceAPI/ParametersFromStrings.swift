import VarlinkProtocol

// Parameters made of strings only, read without JSONDecoder when the call is plain
// (`FlatCallReader`, issue #15). A field added to one of these types in the IDL must be
// added here too: TypedCallDecodingTests compares them with JSONDecoder's reading.

extension Remind.Parameters: StringFieldsDecodable {
    public init?(stringFields fields: [String: String]) {
        guard let at = fields["at"], let text = fields["text"] else { return nil }
        self.init(at: at, text: text, contact: fields["contact"])
    }
}
