import Foundation
import Logging
import RelanceCalendar
import RelanceCore
import RelanceInterchange
import RelanceStore

/// Applies one file of a followed vdir (`[sync] calendars`, `contacts`; issue #12) to the
/// store: what `relancectl import` would do with it — `EventImportPlanner` for events
/// (UID and SEQUENCE versions, RECURRENCE-ID, STATUS:CANCELLED), `VdirContactPlanner` for
/// cards — in ONE transaction with what the store remembers of the file. A deleted file
/// takes back the events it brought (unless another followed file brings the same UID);
/// its contacts stay.
struct VdirSync: Sendable {
    /// The personal store, or a team node's view of the team's.
    let store: any VdirStore
    let clock: any WallClock
    let rules: @Sendable () -> TimingRules
    /// Files above this size are refused (one item per file: a few kilobytes).
    static let sizeLimit = 4 << 20

    /// Why a file is left as it is; it is read again at its next change (or next start).
    enum Problem: Error, CustomStringConvertible {
        case unreadable(String)
        case rejected([String])

        var description: String {
            switch self {
            case .unreadable(let reason): reason
            case .rejected(let reasons): reasons.joined(separator: "; ")
            }
        }
    }

    /// What one file did, for the journal.
    struct Outcome: Sendable, Equatable {
        var lines: [String] = []
        var addedEvents: [Int64] = []
        /// Whether the store changed.
        var changed = false
    }

    /// The file's text, or nil when it is gone.
    static func read(_ path: String) throws -> (text: String, stamp: String)? {
        guard let stamp = VdirStamp.of(path) else { return nil }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: sizeLimit + 1)) ?? Data()
        guard data.count <= sizeLimit else { throw Problem.unreadable("larger than \(sizeLimit >> 20) MiB; not one calendar item") }
        guard let text = FoldedText.utf8(data) ?? String(data: data, encoding: .isoLatin1) else {
            throw Problem.unreadable("not text")
        }
        return (text, stamp)
    }

    /// Whether `text` ends as a whole iCalendar or vCard object does: a file still being
    /// written (seen at its creation) is left for its close.
    static func looksComplete(_ text: String, kind: SyncKind) -> Bool {
        let end = kind == .calendar ? "END:VCALENDAR" : "END:VCARD"
        return text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasSuffix(end)
    }

    /// Applies the calendar file at `path` as it is now (gone: what it brought is removed).
    /// - Parameter quiet: the file was only just created: if it does not look complete yet,
    ///   nothing happens (its close comes next).
    func calendarFile(_ path: String, quiet: Bool = false) throws -> Outcome {
        let file = try Self.read(path)
        var parsed: [ICSEvent] = []
        if let file {
            if quiet && !Self.looksComplete(file.text, kind: .calendar) { return Outcome() }
            do { parsed = try ICSParser.events(fromICS: file.text) } catch { throw Problem.unreadable("\(error)") }
        }
        let uids = Array(Set(parsed.map(\.uid))).sorted()
        let now = clock.now()
        let rules = self.rules()
        var outcome = Outcome()
        let (added, changes) = try store.syncCalendarFile(path: path, stamp: file?.stamp, uids: uids, now: now, rules: rules) {
            stored, previous, elsewhere in
            let entries = EventImportPlanner.plan(parsed, stored: stored, userZone: rules.userZone,
                                                  defaultReminders: rules.eventReminders)
            let rejections = entries.filter { $0.outcome == .reject }.map { $0.note ?? "rejected" }
            guard rejections.isEmpty else { throw Problem.rejected(rejections) }
            var effects = entries.flatMap(\.effects)
            for (entry, event) in zip(entries, parsed) where entry.outcome != .skip || !entry.effects.isEmpty {
                outcome.lines.append("\(entry.outcome.rawValue) \(event.summary ?? "(untitled)")" + (entry.note.map { ": " + $0 } ?? ""))
            }
            // UIDs the file brought and holds no more (it was deleted, or now holds another
            // item): their events go, unless another followed file still brings them.
            for uid in previous.subtracting(uids).subtracting(elsewhere).sorted() {
                let gone = stored.filter { $0.uid == uid }
                guard !gone.isEmpty else { continue }
                effects += gone.map { .remove(id: $0.id) }
                let title = gone.first { $0.occurrenceID == nil }?.title ?? gone[0].title
                outcome.lines.append("remove \(title): its file is gone" + (gone.count > 1 ? ", with \(gone.count - 1) changed occurrence(s)" : ""))
            }
            outcome.changed = !effects.isEmpty
            return try InterchangeService.mutations(effects, stored: stored, now: now)
        }
        // The reminders of the added and moved occurrences came in the same transaction
        // (the scheduler hears of them through the store's reminder feed).
        _ = changes
        outcome.addedEvents = added
        return outcome
    }

    /// Applies the vCard file at `path` as it is now (gone: only forgotten, its contacts stay).
    func contactsFile(_ path: String, quiet: Bool = false) throws -> Outcome {
        let file = try Self.read(path)
        var cards: [ImportedContact] = []
        if let file {
            if quiet && !Self.looksComplete(file.text, kind: .contacts) { return Outcome() }
            let result = VCardParser.parse(file.text, file: (path as NSString).lastPathComponent)
            guard result.rejections.isEmpty else { throw Problem.rejected(result.rejections.map(\.description)) }
            guard !result.contacts.isEmpty else { throw Problem.unreadable("no vCard in it") }
            cards = result.contacts
        }
        var outcome = Outcome()
        let (added, updated, _) = try store.syncContactsFile(
            path: path, stamp: file?.stamp, uids: cards.compactMap(\.draft.details.uid),
            emails: cards.flatMap(\.draft.emails), now: clock.now(), rules: rules()) {
            contacts, linked in
            let byID = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, $0.name) })
            return VdirContactPlanner.plan(cards: cards, contacts: contacts, linked: linked).map { uid, decision in
                switch decision {
                case .add(let draft):
                    outcome.lines.append("add \(draft.name)")
                    return (uid, .add(draft))
                case .replace(let id, let draft, let changes):
                    outcome.lines.append("update \(byID[id] ?? draft.name) (#\(id)): \(changes.joined(separator: ", "))")
                    return (uid, .replace(id: id, draft))
                case .keep(let id):
                    return (uid, .keep(id: id))
                }
            }
        }
        if file == nil { outcome.lines.append("its file is gone; the contacts it brought stay") }
        outcome.changed = !added.isEmpty || !updated.isEmpty
        return outcome
    }
}

extension VdirSync {
    /// Applies one file of a followed vdir and says what it did in the journal; a file
    /// that cannot be applied is a warning (read again at its next change), and one only
    /// just created that does not look whole yet is left quietly for its close.
    func apply(folder: VdirWatcher.Folder, path: String, change: VdirWatcher.Change, logger: Logger,
               changed: () -> Void) {
        // Two events for one write (a close, then a rename) read the file once.
        if change == .settled, let known = try? store.syncedStamp(path: path), known == VdirStamp.of(path) { return }
        let name = (path as NSString).lastPathComponent
        do {
            let outcome = folder.kind == .calendar
                ? try calendarFile(path, quiet: change == .created)
                : try contactsFile(path, quiet: change == .created)
            for line in outcome.lines {
                logger.notice("sync \(name): \(line)", metadata: ["sync_file": "\(path)"])
            }
            if outcome.changed { changed() }
        } catch {
            // (A file seen at its creation that does not look whole yet returned above
            // without a word: this one looked whole, e.g. hard-linked into place as
            // vdirsyncer creates files, and no close will come to warn about it later.)
            logger.warning("cannot apply \(path) (it is read again at its next change): \(error)", metadata: ["sync_file": "\(path)"])
        }
    }
}

/// A file's modification time (nanoseconds) and size: what the store keeps of a file to
/// tell, at the next start, whether it changed meanwhile.
enum VdirStamp {
    static func of(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return "\(Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))-\(info.st_size)"
    }
}
