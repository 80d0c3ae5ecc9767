import Foundation
import RelanceCore

/// What an import does with each VEVENT, decided as a calendar client would (issue #12):
/// by identity (UID, plus RECURRENCE-ID for a changed occurrence) and version
/// (`EventVersion`). Pure: the daemon turns the effects into one store transaction.
///
/// - A new series or one-off event is added; a newer version of a stored one updates it
///   (an identical one only records the new version); an older or equal one is skipped.
/// - STATUS:CANCELLED removes a stored series with its changed occurrences, or one
///   changed occurrence, and leaves the cancelled occurrence out of its series.
/// - A changed occurrence (RECURRENCE-ID) becomes an event of its own at its own time,
///   place and title, and its original start joins the series' EXDATEs, so the series
///   and its changes show each occurrence once; without its series anywhere it is a
///   one-off event.
public enum EventImportPlanner {
    /// One change to the stored events.
    public enum Effect: Sendable, Equatable {
        /// Store this new event (its id is 0).
        case add(NetworkingEvent)
        /// Replace the stored event `id` with this content and re-plan its reminders.
        case update(id: Int64, NetworkingEvent)
        /// Keep the stored event `id` as it is, remembering a newer version of the same content.
        case recordVersion(id: Int64, EventVersion)
        /// Remove the stored event `id`, cancelling its pending reminders.
        case remove(id: Int64)
        /// Leave the occurrence starting at `exdate` (wall clock in its zone) out of the
        /// stored series `id`, cancelling its pending reminders; nothing if already out.
        case exclude(id: Int64, exdate: LocalDateTime)
    }

    /// What happened to one VEVENT, for the report.
    public enum Outcome: String, Sendable, Equatable {
        case add, update, cancel, skip, reject
    }

    /// The decision for one VEVENT of the import.
    public struct Entry: Sendable, Equatable {
        /// For the report's count and verb.
        public var outcome: Outcome
        /// What to write; empty for a skip or a reject.
        public var effects: [Effect]
        /// Why, in words, for the report ("already imported (up to date)"); the reason
        /// for a reject.
        public var note: String?
    }

    private struct Key: Hashable {
        var uid: String
        var occurrence: OccurrenceID?
    }

    /// One entry per event of `events`, in the same order.
    ///
    /// - Parameters:
    ///   - events: every VEVENT of the import, in file order (as `ICSParser` reads them:
    ///     a series already lists its changed occurrences of the same file as EXDATEs).
    ///   - stored: the events in the store.
    ///   - userZone: where floating and all-day times are read.
    ///   - defaultReminders: the leads of an event without VALARM.
    ///   - tombstones: the series cancelled in earlier imports (UID → the cancelling
    ///     version): a copy no newer than that is skipped, so an old export does not
    ///     bring a cancelled series back; a newer one (the organiser re-instated it) is added.
    public static func plan(_ events: [ICSEvent], stored: [NetworkingEvent], userZone: TimeZone,
                            defaultReminders: [ISODuration], tombstones: [String: EventVersion] = [:]) -> [Entry] {
        let storedByKey = Dictionary(stored.map { (Key(uid: $0.uid, occurrence: $0.occurrenceID), $0) }, uniquingKeysWith: { first, _ in first })
        let storedChanges = Dictionary(grouping: stored.filter { $0.occurrenceID != nil }, by: \.uid)
        var listedChanges: [String: Set<OccurrenceID>] = [:]
        var seriesInImport: Set<String> = []
        for event in events {
            if event.recurrenceID == nil {
                seriesInImport.insert(event.uid)
            } else if let id = event.occurrenceID {
                listedChanges[event.uid, default: []].insert(id)
            }
        }
        // The same event twice in one import (two exports of one calendar): the newest
        // version is used, the first of equal ones.
        var chosen: [Key: Int] = [:]
        for (index, event) in events.enumerated() {
            let key = Key(uid: event.uid, occurrence: event.recurrenceID == nil ? nil : event.occurrenceID)
            if let other = chosen[key], !event.version.supersedes(events[other].version) { continue }
            chosen[key] = index
        }
        func duplicate(_ index: Int) -> String? {
            let event = events[index]
            let winner = chosen[Key(uid: event.uid, occurrence: event.recurrenceID == nil ? nil : event.occurrenceID)]!
            guard winner != index else { return nil }
            return events[winner].version.supersedes(event.version)
                ? "appears twice in this import; the newer copy (\(events[winner].version)) is used"
                : "appears twice in this import; the first copy is used"
        }
        var entries = [Entry?](repeating: nil, count: events.count)
        // Series this import adds, updates or removes: their EXDATEs come from the import.
        var rewritten: Set<String> = []
        var cancelled: Set<String> = []
        // A remembered cancellation stands for its changed occurrences too, unless a
        // newer copy of the series comes back below.
        for uid in tombstones.keys where storedByKey[Key(uid: uid, occurrence: nil)] == nil { cancelled.insert(uid) }
        var titles: [String: String] = [:]
        for series in stored where series.occurrenceID == nil { titles[series.uid] = series.title }

        // Series and one-off events first, so their changed occurrences know their fate.
        for (index, event) in events.enumerated() where event.recurrenceID == nil {
            if let note = duplicate(index) {
                entries[index] = Entry(outcome: .skip, effects: [], note: "UID \(event.uid) \(note)")
                continue
            }
            if let kind = event.relanceKind {
                // Relance wrote it for its own reminder or meeting (an export): already here.
                entries[index] = Entry(outcome: .skip, effects: [], note: "Relance's own \(kind) (X-RELANCE-KIND, from an export): not an event")
                continue
            }
            let key = Key(uid: event.uid, occurrence: nil)
            titles[event.uid] = event.summary ?? "(untitled)"
            let old = storedByKey[key]
            if !event.isCancelled, old == nil, let tombstone = tombstones[event.uid] {
                guard event.version.supersedes(tombstone) else {
                    entries[index] = Entry(outcome: .skip, effects: [], note: "cancelled by the calendar in an earlier import "
                                           + "(\(tombstone)); this copy (\(event.version)) is not newer, so it does not come back")
                    continue
                }
                cancelled.remove(event.uid)  // re-instated by the organiser
            }
            if event.isCancelled {
                cancelled.insert(event.uid)  // its changed occurrences go with it
                guard let old else {
                    entries[index] = Entry(outcome: .skip, effects: [], note: "cancelled in the calendar, and not in Relance")
                    continue
                }
                if old.version.supersedes(event.version) {
                    entries[index] = Entry(outcome: .skip, effects: [], note: upToDate(old, event))
                    continue
                }
                let changes = storedChanges[event.uid] ?? []
                rewritten.insert(event.uid)
                entries[index] = Entry(outcome: .cancel, effects: [.remove(id: old.id)] + changes.map { .remove(id: $0.id) },
                                       note: "cancelled (\(event.version))"
                                           + (changes.isEmpty ? "" : ", with \(count(changes.count, "changed occurrence"))"))
                continue
            }
            var content: NetworkingEvent
            do {
                content = try event.networkingEvent(userZone: userZone, defaultReminders: defaultReminders)
            } catch {
                entries[index] = Entry(outcome: .reject, effects: [], note: "\(error)")
                continue
            }
            // A newer version of a series is the whole truth for its UID: the changed
            // occurrences Relance has and the import no longer lists are dropped (a series
            // moved to another time re-keys its changes: RFC 5545 §3.8.4.4 wants each
            // RECURRENCE-ID to be one of its occurrences). The others stay out of the series.
            let listed = listedChanges[event.uid] ?? []
            let known = storedChanges[event.uid] ?? []
            let dropped = old == nil ? [] : known.filter { !listed.contains($0.occurrenceID!) }
            if content.recurrence != nil {
                for change in known where !dropped.contains(change) {
                    let exdate = change.occurrenceID!.wallClock(in: content.zone)
                    if !content.recurrence!.exdates.contains(exdate) { content.recurrence!.exdates.append(exdate) }
                }
            }
            guard let old else {
                rewritten.insert(event.uid)
                entries[index] = Entry(outcome: .add, effects: [.add(content)], note: nil)
                continue
            }
            guard event.version.supersedes(old.version) else {
                entries[index] = Entry(outcome: .skip, effects: [], note: upToDate(old, event))
                continue
            }
            if sameContent(content, old) && dropped.isEmpty {
                entries[index] = Entry(outcome: .skip, effects: [.recordVersion(id: old.id, event.version)],
                                       note: "already imported (up to date: \(event.version) changes nothing)")
                continue
            }
            rewritten.insert(event.uid)
            var note = "updated to \(event.version): " + changes(from: old, to: content)
            if !dropped.isEmpty {
                note += "; removed \(count(dropped.count, "changed occurrence")) the calendar no longer lists ("
                    + dropped.map { short($0.start) }.joined(separator: ", ") + ")"
            }
            entries[index] = Entry(outcome: .update, effects: [.update(id: old.id, content)] + dropped.map { .remove(id: $0.id) },
                                   note: note)
        }

        // Then the changed occurrences (RECURRENCE-ID).
        for (index, event) in events.enumerated() where event.recurrenceID != nil {
            let identity = event.occurrenceID!
            let key = Key(uid: event.uid, occurrence: identity)
            let original = event.recurrenceID!
            let what = "the \(short(original)) occurrence of \(titles[event.uid].map { "'\($0)'" } ?? "UID \(event.uid)")"
            if let note = duplicate(index) {
                entries[index] = Entry(outcome: .skip, effects: [], note: "\(what) \(note)")
                continue
            }
            let old = storedByKey[key]
            let series = storedByKey[Key(uid: event.uid, occurrence: nil)]
            // The stored series leaves this occurrence out, unless the import rewrites it
            // (its own EXDATEs, with this one, are then written).
            var exclusion: [Effect] = []
            if let series, series.recurrence != nil, !rewritten.contains(event.uid) {
                exclusion = [.exclude(id: series.id, exdate: identity.wallClock(in: series.zone))]
            }
            let seriesKnown = series != nil || seriesInImport.contains(event.uid)
            if cancelled.contains(event.uid) {
                entries[index] = Entry(outcome: .skip, effects: [], note: "\(what): its series is cancelled")
                continue
            }
            if event.isCancelled {
                if let old, old.version.supersedes(event.version) {
                    entries[index] = Entry(outcome: .skip, effects: exclusion, note: "\(what): " + upToDate(old, event))
                } else if let old {
                    entries[index] = Entry(outcome: .cancel, effects: [.remove(id: old.id)] + exclusion,
                                           note: "\(what) is cancelled (\(event.version))")
                } else if seriesKnown {
                    entries[index] = Entry(outcome: .cancel, effects: exclusion, note: "\(what) is cancelled: left out of the series")
                } else {
                    entries[index] = Entry(outcome: .skip, effects: [], note: "\(what) is cancelled, and its series is not in Relance")
                }
                continue
            }
            let content: NetworkingEvent
            do {
                content = try event.networkingEvent(userZone: userZone, defaultReminders: defaultReminders)
            } catch {
                entries[index] = Entry(outcome: .reject, effects: [], note: "\(error)")
                continue
            }
            let change = describe(event, original: original, seriesTitle: titles[event.uid])
            guard let old else {
                let note = seriesKnown
                    ? "\(what), \(change): kept as its own event"
                    : "\(what), \(change): its series is neither in this import nor in Relance, so a one-off event"
                entries[index] = Entry(outcome: .add, effects: [.add(content)] + exclusion, note: note)
                continue
            }
            guard event.version.supersedes(old.version) else {
                entries[index] = Entry(outcome: .skip, effects: exclusion, note: "\(what): " + upToDate(old, event))
                continue
            }
            if sameContent(content, old) {
                entries[index] = Entry(outcome: .skip, effects: [.recordVersion(id: old.id, event.version)] + exclusion,
                                       note: "\(what): already imported (up to date: \(event.version) changes nothing)")
                continue
            }
            entries[index] = Entry(outcome: .update, effects: [.update(id: old.id, content)] + exclusion,
                                   note: "\(what) updated to \(event.version): " + changes(from: old, to: content))
        }
        return entries.map { $0! }
    }

    /// "already imported (up to date)", saying why when the file's version is older.
    private static func upToDate(_ old: NetworkingEvent, _ event: ICSEvent) -> String {
        old.version.supersedes(event.version)
            ? "already imported (up to date: Relance has \(old.version), the file an older \(event.version))"
            : "already imported (up to date)"
    }

    /// Whether the fields an import sets are the same (the order of EXDATEs aside).
    static func sameContent(_ a: NetworkingEvent, _ b: NetworkingEvent) -> Bool {
        func normalized(_ r: EventRecurrence?) -> EventRecurrence? {
            r.map { EventRecurrence(rrule: $0.rrule, exdates: Set($0.exdates).sorted(), rdates: Set($0.rdates).sorted()) }
        }
        return a.title == b.title && a.start == b.start && a.timeZone == b.timeZone && a.duration == b.duration
            && a.isAllDay == b.isAllDay && a.place == b.place && a.url == b.url && a.details == b.details && a.reminders == b.reminders
            && normalized(a.recurrence) == normalized(b.recurrence)
    }

    /// "time 2026-03-03 19:00 → 2026-03-04 19:00, place …", for an update's report line.
    static func changes(from old: NetworkingEvent, to new: NetworkingEvent) -> String {
        var parts: [String] = []
        if old.start != new.start || old.timeZone != new.timeZone {
            parts.append("time \(short(old.start)) → \(short(new.start))" + (old.timeZone == new.timeZone ? "" : " \(new.timeZone)"))
        }
        if old.duration != new.duration { parts.append("duration") }
        if old.isAllDay != new.isAllDay { parts.append(new.isAllDay ? "now all day" : "no longer all day") }
        if old.title != new.title { parts.append("title '\(old.title)' → '\(new.title)'") }
        if old.place != new.place { parts.append("place \(new.place ?? "none")") }
        if old.recurrence?.rrule != new.recurrence?.rrule { parts.append("recurrence \(new.recurrence?.rrule ?? "none")") }
        else if normalizedDates(old.recurrence) != normalizedDates(new.recurrence) { parts.append("exceptions") }
        if old.reminders != new.reminders { parts.append("reminders") }
        if old.url != new.url || old.details != new.details { parts.append("details") }
        return parts.isEmpty ? "no field changed" : parts.joined(separator: ", ")
    }

    private static func normalizedDates(_ r: EventRecurrence?) -> [[LocalDateTime]] {
        [Set(r?.exdates ?? []).sorted(), Set(r?.rdates ?? []).sorted()]
    }

    /// "moved to 2026-03-04 19:00, retitled 'X'", or "changed" when only other fields differ.
    private static func describe(_ event: ICSEvent, original: LocalDateTime, seriesTitle: String?) -> String {
        var parts: [String] = []
        if event.start != original { parts.append("moved to \(short(event.start))") }
        if let seriesTitle, let title = event.summary, title != seriesTitle { parts.append("retitled '\(title)'") }
        if let place = event.location { parts.append("at \(ICSEvent.oneLine(place))") }
        return parts.isEmpty ? "changed" : parts.joined(separator: ", ")
    }

    /// "2026-03-03 19:00".
    static func short(_ time: LocalDateTime) -> String {
        String(time.description.replacingOccurrences(of: "T", with: " ").prefix(16))
    }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
