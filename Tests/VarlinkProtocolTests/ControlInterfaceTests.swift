import Foundation
import RelanceAPI
import Testing
import VarlinkProtocol

@Suite struct ControlInterfaceTests {
    static let idlFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/RelanceAPI/io.relance.Control.varlink").standardized

    @Test func embeddedDefinitionMatchesTheIDLFile() throws {
        let file = try String(contentsOf: Self.idlFile, encoding: .utf8)
        #expect(ControlInterface.definition == file, "run scripts/generate-api after editing the .varlink file")
    }

    @Test func declaresEveryMethodOfTheContract() {
        let methods = Set(ControlInterface.description.methods)
        let contract: Set = ["AddContact", "ListContacts", "GetContact", "LogOutreach", "ListOutreach", "RecordReply",
                             "Remind", "Upcoming", "Inbox", "MarkRead", "Done", "Dismiss", "Snooze", "Watch", "Status", "Reload"]
        #expect(contract.isSubset(of: methods))
        #expect(ControlInterface.description.name == "io.relance.Control")
    }

    @Test func everyMethodAndFieldHasAComment() {
        let lines = ControlInterface.definition.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let declares = trimmed.hasPrefix("method ") || trimmed.hasPrefix("type ") || trimmed.hasPrefix("error ")
                || (line.hasPrefix("  ") && trimmed.contains(":") && !trimmed.hasPrefix("#"))
            guard declares else { continue }
            #expect(index > 0 && lines[index - 1].trimmingCharacters(in: .whitespaces).hasPrefix("#"),
                    "line \(index + 1) has no comment above it: \(line)")
        }
    }
}

@Suite struct InterfaceInputsTests {
    @Test func methodInputsAreTheTopLevelFieldNamesInOrder() {
        let inputs = ControlInterface.description.inputs
        #expect(inputs["AddContact"] == ["name", "emails", "handles", "organization", "timeZone", "why", "tags", "notes",
                                         "keepInTouch", "phones", "title", "department", "websites", "givenName",
                                         "familyName", "birthday", "photo", "allowDuplicate"])
        #expect(inputs["GetContact"] == ["contact"])
    }

    @Test func aMethodWithoutParametersHasNoInputs() {
        #expect(ControlInterface.description.inputs["Status"] == [])
        #expect(ControlInterface.description.inputs["Reload"] == [])
    }

    @Test func nestedTypesAndCommentsDoNotAddInputs() {
        let description = VarlinkInterfaceDescription(parsing: """
            interface com.example.Test
            # A comment that says method Fake(x: int) and (a, b)
            method Export(
              # ics or vcf, (not a field: here)
              format: (ics, vcf),
              point: ?(x: int, y: int),
              files: []ImportFile
            ) -> (text: string)
            method Ping() -> (methodCount: int)
            """)
        #expect(description.methods == ["Export", "Ping"])
        #expect(description.inputs == ["Export": ["format", "point", "files"], "Ping": []])
    }

    @Test func replyFieldsAndTypeFieldsAreReadLikeInputs() {
        let description = VarlinkInterfaceDescription(parsing: """
            interface com.example.Test
            # A type (not a method(x: int))
            type Point (
              # x, (the first: one)
              x: int,
              kind: ?(flat, round)
            )
            method Export(format: (ics, vcf)) -> (
              text: string,
              nested: ?(a: int, b: []Point)
            )
            method Ping() -> ()
            """)
        #expect(description.outputs == ["Export": ["text", "nested"], "Ping": []])
        #expect(description.types == ["Point": ["x", "kind"]])
        #expect(description.inputs == ["Export": ["format"], "Ping": []])
    }

    @Test func everyDeclaredMethodHasItsInputs() {
        let description = ControlInterface.description
        #expect(Set(description.inputs.keys) == Set(description.methods))
    }
}
