import Foundation
import Logging
import RelanceCore
@testable import RelanceDaemon
import RelanceStore
import RelanceTestKit
import Testing

/// Live sync through vdirs (issue #12): one file of a followed folder applied as
/// `relancectl import` would, on an in-memory store with the clock injected; the watcher
/// on a real folder; the published vdir; the `[sync]` configuration.
@Suite final class VdirSyncTests {
    let clock = ManualClock("2026-12-01T09:00:00Z")
    let paris = TimeZone(identifier: "Europe/Paris")!
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "relance-vdir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    var rules: TimingRules {
        var rules = TimingRules(userZone: paris, eventReminders: [ISODuration(hours: 2)], eventLogPeople: false)
        rules.window.isEnabled = false
        return rules
    }

    func sync(_ store: AppDatabase) -> VdirSync {
        let rules = self.rules
        return VdirSync(store: store, clock: clock, rules: { rules })
    }

    /// A weekly meetup from Thursday 10 Dec 2026 at `at` (Paris), as one vdir item.
    func meetup(uid: String = "weekly@example.com", sequence: Int = 0, at: String = "190000", title: String = "Founders meetup",
                status: String = "CONFIRMED", change: String = "") -> String {
        """
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Radicale//NONSGML Radicale Server//EN
        BEGIN:VEVENT
        UID:\(uid)
        DTSTAMP:20261130T000000Z
        SEQUENCE:\(sequence)
        STATUS:\(status)
        SUMMARY:\(title)
        DTSTART;TZID=Europe/Paris:20261210T\(at)
        DURATION:PT2H
        RRULE:FREQ=WEEKLY;COUNT=5
        END:VEVENT
        \(change)END:VCALENDAR

        """.replacingOccurrences(of: "\n", with: "\r\n")
    }

    func write(_ text: String, _ name: String) -> String {
        let path = folder + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// Pending reminders as "fire time (Paris) | text".
    func pending(_ store: AppDatabase) throws -> [String] {
        try store.upcoming(limit: 50).map { "\(LocalDateTime($0.fireAt, in: paris)) | \($0.text)" }
    }

    // MARK: Calendars

    @Test func aNewFileAddsItsEventAndADeletedOneRemovesItWithItsReminders() throws {
        let store = try AppDatabase.inMemory()
        let path = write(meetup(), "weekly.ics")

        let added = try sync(store).calendarFile(path)
        #expect(added.changed && added.lines == ["add Founders meetup"])
        #expect(try store.events().map(\.title) == ["Founders meetup"])
        #expect(try pending(store) == ["2026-12-10T17:00:00 | Founders meetup: Thu 10 Dec 19:00",
                                       "2026-12-17T17:00:00 | Founders meetup: Thu 17 Dec 19:00"])
        #expect(try store.syncedFiles(.calendar, in: folder).map(\.items) == [[SyncedFile.Item(uid: "weekly@example.com")]])

        try FileManager.default.removeItem(atPath: path)
        let removed = try sync(store).calendarFile(path)
        #expect(removed.changed && removed.lines == ["remove Founders meetup: its file is gone"])
        #expect(try store.events().isEmpty)
        #expect(try pending(store).isEmpty)
        #expect(try store.syncedFiles(.calendar, in: folder).isEmpty)
    }

    @Test func aNewerVersionMovesTheEventAndAnEqualOneChangesNothing() throws {
        let store = try AppDatabase.inMemory()
        let path = write(meetup(), "weekly.ics")
        _ = try sync(store).calendarFile(path)

        _ = write(meetup(), "weekly.ics")  // rewritten as it was (vdirsyncer after a metadata change)
        #expect(try sync(store).calendarFile(path).changed == false)

        _ = write(meetup(sequence: 1, at: "193000"), "weekly.ics")
        let moved = try sync(store).calendarFile(path)
        #expect(moved.changed && moved.lines.first?.hasPrefix("update Founders meetup: updated to SEQUENCE 1") == true)
        #expect(try pending(store) == ["2026-12-10T17:30:00 | Founders meetup: Thu 10 Dec 19:30",
                                       "2026-12-17T17:30:00 | Founders meetup: Thu 17 Dec 19:30"])
        // An older copy coming back (a stale server) is skipped.
        _ = write(meetup(sequence: 0), "weekly.ics")
        #expect(try sync(store).calendarFile(path).changed == false)
        #expect(try store.events().first?.start.description == "2026-12-10T19:30:00")
    }

    @Test func aRetitledOccurrenceIsItsOwnEventAndACancelledSeriesGoesWithIt() throws {
        let store = try AppDatabase.inMemory()
        let path = write(meetup(), "weekly.ics")
        _ = try sync(store).calendarFile(path)
        let change = """
            BEGIN:VEVENT
            UID:weekly@example.com
            DTSTAMP:20261130T000000Z
            RECURRENCE-ID;TZID=Europe/Paris:20261217T190000
            SUMMARY:Demo night
            DTSTART;TZID=Europe/Paris:20261217T190000
            DURATION:PT2H
            END:VEVENT

            """
        _ = write(meetup(sequence: 1, change: change), "weekly.ics")
        _ = try sync(store).calendarFile(path)
        #expect(try store.events().map(\.title).sorted() == ["Demo night", "Founders meetup"])
        #expect(try pending(store).contains("2026-12-17T17:00:00 | Demo night: Thu 17 Dec 19:00"))
        #expect(!(try pending(store).contains("2026-12-17T17:00:00 | Founders meetup: Thu 17 Dec 19:00")))

        _ = write(meetup(sequence: 2, status: "CANCELLED"), "weekly.ics")
        let cancelled = try sync(store).calendarFile(path)
        #expect(cancelled.lines.first?.hasPrefix("cancel Founders meetup") == true)
        #expect(try store.events().isEmpty)
        #expect(try pending(store).isEmpty)
    }

    @Test func aUIDAnotherFollowedFileBringsStaysWhenOneOfThemIsDeleted() throws {
        let store = try AppDatabase.inMemory()
        let first = write(meetup(), "a.ics")
        let second = write(meetup(), "b.ics")  // the same item in two calendars
        _ = try sync(store).calendarFile(first)
        _ = try sync(store).calendarFile(second)
        try FileManager.default.removeItem(atPath: first)
        #expect(try sync(store).calendarFile(first).changed == false)
        #expect(try store.events().count == 1)
        try FileManager.default.removeItem(atPath: second)
        _ = try sync(store).calendarFile(second)
        #expect(try store.events().isEmpty)
    }

    @Test func aFileNowHoldingAnotherItemTakesBackWhatItBrought() throws {
        let store = try AppDatabase.inMemory()
        let path = write(meetup(), "item.ics")
        _ = try sync(store).calendarFile(path)
        _ = write(meetup(uid: "other@example.com", title: "Angels breakfast"), "item.ics")
        let outcome = try sync(store).calendarFile(path)
        #expect(outcome.lines.sorted() == ["add Angels breakfast", "remove Founders meetup: its file is gone"])
        #expect(try store.events().map(\.title) == ["Angels breakfast"])
    }

    @Test func aFileThatDoesNotParseOrIsRejectedChangesNothing() throws {
        let store = try AppDatabase.inMemory()
        let path = write(meetup(), "weekly.ics")
        _ = try sync(store).calendarFile(path)
        let before = try pending(store)
        let stamp = try store.syncedStamp(path: path)

        _ = write(String(meetup(sequence: 1, at: "200000").prefix(120)), "weekly.ics")
        #expect(throws: VdirSync.Problem.self) { try sync(store).calendarFile(path) }
        _ = write(meetup(sequence: 1).replacingOccurrences(of: "TZID=Europe/Paris", with: "TZID=Mars/Olympus"), "weekly.ics")
        #expect(throws: (any Error).self) { try sync(store).calendarFile(path) }

        #expect(try pending(store) == before)
        #expect(try store.syncedStamp(path: path) == stamp)  // so it is read again at its next change, or next start
    }

    @Test func aFileSeenAtItsCreationIsLeftQuietlyUntilWhole() throws {
        let store = try AppDatabase.inMemory()
        let path = write(String(meetup().prefix(150)), "new.ics")
        #expect(try sync(store).calendarFile(path, quiet: true) == VdirSync.Outcome())
        #expect(try store.events().isEmpty && store.syncedFiles(.calendar, in: folder).isEmpty)
        _ = write(meetup(), "new.ics")
        #expect(try sync(store).calendarFile(path, quiet: true).changed)
    }

    // MARK: Contacts

    func card(_ name: String, email: String, organization: String, uid: String = "ada-1") -> String {
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:\(uid)\r\nFN:\(name)\r\nEMAIL:\(email)\r\nORG:\(organization)\r\nEND:VCARD\r\n"
    }

    @Test func aCardAddsAContactAndItsEditReplacesWhatTheCardSaysKeepingRelancesOwn() throws {
        let store = try AppDatabase.inMemory()
        let path = write(card("Ada Lovelace", email: "ada@example.com", organization: "Engines"), "ada.vcf")
        #expect(try sync(store).contactsFile(path).lines == ["add Ada Lovelace"])
        let ada = try #require(try store.contacts().first)
        _ = try store.updateContact(id: ada.id, ContactPatch(why: "first programmer"), now: clock.now(), rules: rules)

        _ = write(card("Ada King", email: "ada@king.example", organization: "Royal Society"), "ada.vcf")
        let edited = try sync(store).contactsFile(path)
        #expect(edited.lines == ["update Ada Lovelace (#\(ada.id)): name, emails, organization"])
        let now = try #require(try store.contacts().first)
        #expect((now.id, now.name, now.emails, now.organization, now.why)
                == (ada.id, "Ada King", ["ada@king.example"], "Royal Society", "first programmer"))

        // The same card again changes nothing; the file deleted keeps the contact.
        #expect(try sync(store).contactsFile(path).changed == false)
        try FileManager.default.removeItem(atPath: path)
        _ = try sync(store).contactsFile(path)
        #expect(try store.contacts().map(\.id) == [ada.id])
        #expect(try store.syncedFiles(.contacts, in: folder).isEmpty)
    }

    @Test func aCardJoinsTheContactWithItsAddressInsteadOfAddingASecondOne() throws {
        let store = try AppDatabase.inMemory()
        let (bob, _) = try store.addContact(ContactDraft(name: "Bob", emails: ["bob@work.example"]), now: clock.now())
        let path = write(card("Bob Smith", email: "BOB@work.example", organization: "Acme", uid: "bob-1"), "bob.vcf")
        let outcome = try sync(store).contactsFile(path)
        #expect(outcome.lines == ["update Bob (#\(bob.id)): name, emails, organization, details"])
        #expect(try store.contacts().map(\.name) == ["Bob Smith"])
        #expect(try store.contacts().first?.emails == ["BOB@work.example"])
    }

    @Test func aCardInAnotherFileJoinsTheContactWithItsVCardUID() throws {
        let store = try AppDatabase.inMemory()
        let first = write(card("Ada Lovelace", email: "ada@example.com", organization: "Engines"), "ada.vcf")
        _ = try sync(store).contactsFile(first)
        // The same person in another address book, under another address.
        let second = write(card("Ada Lovelace", email: "ada@royal.example", organization: "Engines"), "ada-copy.vcf")
        let outcome = try sync(store).contactsFile(second)
        #expect(outcome.lines.count == 1 && outcome.lines[0].hasPrefix("update Ada Lovelace (#1): emails"))
        #expect(try store.contacts().map(\.emails) == [["ada@royal.example", "ada@example.com"]])
    }

    @Test func aContactRemovedInRelanceStaysRemovedUntilItsCardChanges() throws {
        let store = try AppDatabase.inMemory()
        let path = write(card("Ada Lovelace", email: "ada@example.com", organization: "Engines"), "ada.vcf")
        _ = try sync(store).contactsFile(path)
        let ada = try #require(try store.contacts().first)
        _ = try store.removeContact(id: ada.id, force: true)
        // The file still names the card, no longer its contact (the link went with it).
        #expect(try store.syncedFiles(.contacts, in: folder).map(\.items) == [[SyncedFile.Item(uid: "ada-1", contactID: nil)]])

        // Edited on the server: the card is the address book's truth again, a new contact.
        _ = write(card("Ada Lovelace", email: "ada@example.com", organization: "Royal Society"), "ada.vcf")
        #expect(try sync(store).contactsFile(path).lines == ["add Ada Lovelace"])
        #expect(try store.contacts().map(\.organization) == ["Royal Society"])
    }

    // MARK: Watcher

    /// Collects the watcher's calls; `wait` returns once `count` came (a generous deadline
    /// only for a broken watcher: the test never measures time).
    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var calls: [(String, VdirWatcher.Change)] = []
        private let semaphore = DispatchSemaphore(value: 0)
        func record(_ path: String, _ change: VdirWatcher.Change) {
            lock.withLock { calls.append(((path as NSString).lastPathComponent, change)) }
            semaphore.signal()
        }
        func wait(_ count: Int) -> [(String, VdirWatcher.Change)] {
            for _ in 0..<count { _ = semaphore.wait(timeout: .now() + 60) }
            return lock.withLock { calls }
        }
    }

    @Test func theWatcherCatchesUpWithChangedAndDeletedFilesThenFollowsRenamesAndClosesOnly() throws {
        let store = try AppDatabase.inMemory()
        let kept = write(meetup(), "kept.ics")
        let gone = write(meetup(uid: "gone@example.com"), "gone.ics")
        _ = try sync(store).calendarFile(kept)
        _ = try sync(store).calendarFile(gone)
        try FileManager.default.removeItem(atPath: gone)
        _ = write(meetup(), "new.ics")
        _ = write("not an item", "notes.txt")

        let calls = Calls()
        let watcher = VdirWatcher(folders: [.init(path: folder, kind: .calendar)], store: store, logger: Logger(label: "test")) {
            _, path, change in calls.record(path, change)
        }
        watcher.start()
        defer { watcher.stop() }
        // At start: the new file and the deleted one, not the unchanged one nor the .txt.
        #expect(calls.wait(2).map(\.0).sorted() == ["gone.ics", "new.ics"])

        // A file written beside it then renamed into place: one call, for the item's name.
        let temporary = folder + "/.renamed.ics.tmp"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data(meetup().utf8))
        #expect(rename(temporary, folder + "/renamed.ics") == 0)
        let after = calls.wait(1)
        #expect(after.count == 3 && after[2] == ("renamed.ics", .settled))
    }

    @Test func aFileHardLinkedIntoPlaceIsSeenAtItsCreation() throws {
        let store = try AppDatabase.inMemory()
        let calls = Calls()
        let watcher = VdirWatcher(folders: [.init(path: folder, kind: .calendar)], store: store, logger: Logger(label: "test")) {
            _, path, change in calls.record(path, change)
        }
        watcher.start()
        defer { watcher.stop() }
        // As vdirsyncer creates an item (atomicwrites): a temporary file, linked to its name, unlinked.
        let temporary = folder + "/tmpab12cd"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data(meetup().utf8))
        #expect(link(temporary, folder + "/linked.ics") == 0)
        #expect(unlink(temporary) == 0)
        #expect(calls.wait(1).map { $0.0 } == ["linked.ics"])
        #expect(calls.wait(0).first?.1 == .created)
    }

    @Test func aCreatedFileIsQuietWhileHalfWrittenAndWarnedAboutWhenWholeButBroken() throws {
        let store = try AppDatabase.inMemory()
        let log = LogRecorder()
        let logger = Logger(label: "test") { _ in log.handler }
        let calendar = VdirWatcher.Folder(path: folder, kind: .calendar)
        func apply(_ path: String, _ change: VdirWatcher.Change) {
            sync(store).apply(folder: calendar, path: path, change: change, logger: logger) {}
        }

        let half = write(String(meetup().prefix(150)), "half.ics")
        apply(half, .created)
        #expect(log.lines.isEmpty)

        let broken = write(meetup().replacingOccurrences(of: "TZID=Europe/Paris", with: "TZID=Mars/Olympus"), "broken.ics")
        apply(broken, .created)
        #expect(log.lines.count == 1)
        #expect(log.lines.first?.hasPrefix("warning cannot apply \(broken) (it is read again at its next change)") == true)

        let good = write(meetup(), "good.ics")
        apply(good, .created)
        apply(good, .settled)  // its close after the creation: already read as it is
        #expect(log.lines.dropFirst() == ["notice sync good.ics: add Founders meetup"])
        #expect(try store.events().count == 1)
    }

    // MARK: Published vdir

    @Test func thePublishedVdirIsWrittenOnlyWhenSomethingChangedAndOnlyItsOwnFilesAreRemoved() throws {
        let wanted = NIOLockedBox(["relance-meeting-1.ics": "BEGIN:VCALENDAR\r\nDTSTAMP:1\r\nSUMMARY:A\r\nEND:VCALENDAR\r\n"])
        let publisher = VdirPublisher(folder: folder, logger: Logger(label: "test")) { wanted.value }
        _ = write("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "someone-else.ics")

        #expect(publisher.publish() == .init(written: ["relance-meeting-1.ics"], removed: []))
        wanted.value = ["relance-meeting-1.ics": "BEGIN:VCALENDAR\r\nDTSTAMP:2\r\nSUMMARY:A\r\nEND:VCALENDAR\r\n"]
        #expect(publisher.publish() == .init())  // only its DTSTAMP differs
        wanted.value = ["relance-event-x.ics": "BEGIN:VCALENDAR\r\nSUMMARY:B\r\nEND:VCALENDAR\r\n"]
        #expect(publisher.publish() == .init(written: ["relance-event-x.ics"], removed: ["relance-meeting-1.ics"]))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["relance-event-x.ics", "someone-else.ics"])  // no temporary file left behind
    }

    @Test func publishedFileNamesAreStableAndSafe() {
        #expect(VdirPublisher.fileName(kind: "meeting", key: "12") == "relance-meeting-12.ics")
        let odd = VdirPublisher.fileName(kind: "event", key: "7kukuq@google.com/../x")
        #expect(odd == VdirPublisher.fileName(kind: "event", key: "7kukuq@google.com/../x"))
        #expect(odd.hasPrefix("relance-event-") && !odd.dropFirst(1).contains("/") && !odd.contains("@"))
    }

    // MARK: Configuration

    @Test func syncFoldersAreReadExpandedAndWithoutTrailingSlash() throws {
        let configuration = try ConfigurationLoader.parse("""
            [sync]
            calendars = ["\(folder)/work/", "~/cal/home"]
            contacts = ["\(folder)/contacts"]
            publish = "\(folder)/relance"
            """, path: "c.toml")
        #expect(configuration.sync.calendars == ["\(folder)/work", NSHomeDirectory() + "/cal/home"])
        #expect(configuration.sync.contacts == ["\(folder)/contacts"])
        #expect(configuration.sync.publish == "\(folder)/relance")
    }

    @Test(arguments: [
        ("[sync]\ncalendars = [\"calendars/work\"]\n", "c.toml:2: 'calendars/work' is not an absolute path"),
        ("[sync]\ncalendars = \"/a\"\n", "c.toml:2: 'calendars' must be a list of strings"),
        ("[sync]\ncalendars = [\"/a\", \"/a/\"]\n", "c.toml:2: /a is listed twice (also in calendars)"),
        ("[sync]\ncalendars = [\"/a\"]\npublish = \"/a\"\n", "c.toml:3: /a is listed twice (also in calendars)"),
        ("[sync]\ncontacts = [\"/a\"]\npublish = \"/a/relance\"\n", "c.toml:3: /a/relance and the followed folder /a are inside one another"),
        ("[sync]\npublish = \"/\"\n", "c.toml:2: '/' is the root directory"),
        ("[sync]\nfolders = [\"/a\"]\n", "c.toml:2: unknown key 'folders' in [sync]"),
    ])
    func badSyncSettingsAreRefusedWithTheirLine(text: String, message: String) {
        #expect {
            try ConfigurationLoader.parse(text, path: "c.toml")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func aFileWhereAFolderShouldBeIsRefused() throws {
        let file = write("x", "file.ics")
        #expect {
            try ConfigurationLoader.parse("[sync]\ncalendars = [\"\(file)\"]\n", path: "c.toml")
        } throws: { error in
            "\(error)" == "c.toml:2: \(file) is a file: give the folder vdirsyncer keeps one .ics or .vcf per item in"
        }
    }
}

/// A value shared with a `@Sendable` closure in a test.
final class NIOLockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// A log handler that keeps "level message" lines (swift-log's in-memory twin habit).
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }

    var handler: Handler { Handler(recorder: self) }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            recorder.append("\(event.level) \(event.message)")
        }
    }
}
