import Foundation
import RelanceCalendar
import RelanceCore
import Testing

/// Issue #12: an import decides per VEVENT as a calendar client would.
@Suite struct EventImportPlannerTests {
    let paris = TimeZone(identifier: "Europe/Paris")!

    /// A calendar of `events` (VEVENT bodies, without BEGIN/END).
    func ics(_ events: String...) -> String {
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
            + events.map { "BEGIN:VEVENT\r\n" + $0.replacingOccurrences(of: "\n", with: "\r\n") + "END:VEVENT\r\n" }.joined()
            + "END:VCALENDAR\r\n"
    }

    let series = """
        UID:founders@example.org
        DTSTAMP:20260101T000000Z
        SUMMARY:Founders meetup
        LOCATION:Station F
        DTSTART;TZID=Europe/Paris:20260106T190000
        DURATION:PT2H
        RRULE:FREQ=WEEKLY;COUNT=10

        """
    let moved = """
        UID:founders@example.org
        DTSTAMP:20260101T000000Z
        RECURRENCE-ID;TZID=Europe/Paris:20260113T190000
        SUMMARY:Founders meetup
        LOCATION:Le Wagon
        DTSTART;TZID=Europe/Paris:20260114T200000
        DURATION:PT2H

        """
    let retitled = """
        UID:founders@example.org
        DTSTAMP:20260101T000000Z
        RECURRENCE-ID:20260120T180000Z
        SUMMARY:Founders meetup: demo night
        LOCATION:Station F
        DTSTART;TZID=Europe/Paris:20260120T190000
        DURATION:PT2H

        """

    func plan(_ text: String, stored: [NetworkingEvent] = []) throws -> [EventImportPlanner.Entry] {
        EventImportPlanner.plan(try ICSParser.events(fromICS: text), stored: stored, userZone: paris,
                                defaultReminders: [ISODuration(hours: 2)])
    }

    /// What the store would hold after applying `entries` to `stored` (ids from 100).
    func applied(_ entries: [EventImportPlanner.Entry], to stored: [NetworkingEvent]) -> [NetworkingEvent] {
        var result = stored
        var next: Int64 = 100 + Int64(stored.count)
        for effect in entries.flatMap(\.effects) {
            switch effect {
            case .add(var event):
                event.id = next; next += 1
                result.append(event)
            case .update(let id, var event):
                event.id = id
                result[result.firstIndex { $0.id == id }!] = event
            case .recordVersion(let id, let version):
                result[result.firstIndex { $0.id == id }!].version = version
            case .remove(let id):
                result.removeAll { $0.id == id }
            case .exclude(let id, let exdate):
                let index = result.firstIndex { $0.id == id }!
                if !result[index].recurrence!.exdates.contains(exdate) { result[index].recurrence!.exdates.append(exdate) }
            }
        }
        return result
    }

    @Test func aMovedAndARetitledOccurrenceAreKeptAsEventsOfTheirOwn() throws {
        let entries = try plan(ics(series, moved, retitled))
        #expect(entries.map(\.outcome) == [.add, .add, .add])
        let events = applied(entries, to: [])
        // The series leaves both original starts out...
        #expect(Set(events[0].recurrence!.exdates) == [local("2026-01-13T19:00"), local("2026-01-20T19:00")])
        // ... and each change is an event at its own time, place and title, same UID.
        #expect(events[1].uid == "founders@example.org" && events[1].start == local("2026-01-14T20:00"))
        #expect(events[1].place == "Le Wagon" && events[1].recurrence == nil)
        #expect(events[1].occurrenceID == .instant(local("2026-01-13T19:00").instant(in: paris)))
        #expect(events[2].title == "Founders meetup: demo night" && events[2].start == local("2026-01-20T19:00"))
        // The report says what happened to each change.
        #expect(entries[1].note == "the 2026-01-13 19:00 occurrence of 'Founders meetup', moved to 2026-01-14 20:00, at Le Wagon: kept as its own event")
        #expect(entries[2].note?.contains("retitled 'Founders meetup: demo night'") == true)
    }

    @Test func reimportingTheSameFileChangesNothing() throws {
        let text = ics(series, moved, retitled)
        let stored = applied(try plan(text), to: [])
        let again = try plan(text, stored: stored)
        #expect(again.map(\.outcome) == [.skip, .skip, .skip])
        #expect(again.allSatisfy { $0.note?.contains("already imported (up to date)") == true })
        #expect(applied(again, to: stored) == stored)
    }

    @Test func aChangedOccurrenceWithoutItsSeriesIsAOneOffEvent() throws {
        let entries = try plan(ics(moved))
        #expect(entries.map(\.outcome) == [.add])
        #expect(entries[0].note?.hasSuffix("its series is neither in this import nor in Relance, so a one-off event") == true)
        // ... and when the series comes later, it leaves that occurrence out.
        let stored = applied(entries, to: [])
        let later = applied(try plan(ics(series), stored: stored), to: stored)
        #expect(later.count == 2 && later[1].recurrence!.exdates == [local("2026-01-13T19:00")])
    }

    @Test func aChangedOccurrenceOfAStoredSeriesTakesItsOccurrenceOut() throws {
        let stored = applied(try plan(ics(series)), to: [])
        let entries = try plan(ics(moved), stored: stored)
        #expect(entries[0].outcome == .add)
        #expect(entries[0].effects.contains(.exclude(id: 100, exdate: local("2026-01-13T19:00"))))
        #expect(entries[0].note?.hasSuffix("kept as its own event") == true)
    }

    @Test func aHigherSequenceUpdatesTheEventAndAnOlderOrEqualOneIsSkipped() throws {
        let stored = applied(try plan(ics(series)), to: [])
        let rescheduled = series.replacingOccurrences(of: "T190000", with: "T193000")
            .replacingOccurrences(of: "Station F", with: "Schoolab") + "SEQUENCE:2\n"
        let entries = try plan(ics(rescheduled), stored: stored)
        #expect(entries[0].outcome == .update)
        #expect(entries[0].note == "updated to SEQUENCE 2, modified 2026-01-01T00:00:00Z: time 2026-01-06 19:00 → 2026-01-06 19:30, place Schoolab")
        let updated = applied(entries, to: stored)
        #expect(updated[0].start == local("2026-01-06T19:30") && updated[0].version.sequence == 2)
        // The first version again is older: skipped, said so.
        let old = try plan(ics(series), stored: updated)
        #expect(old[0].outcome == .skip && old[0].effects.isEmpty)
        #expect(old[0].note?.hasPrefix("already imported (up to date: Relance has SEQUENCE 2") == true)
    }

    @Test func theSameSequenceWithALaterLastModifiedUpdates() throws {
        let stored = applied(try plan(ics(series)), to: [])
        let retitledSeries = series.replacingOccurrences(of: "SUMMARY:Founders meetup", with: "SUMMARY:Founders' drinks")
            + "LAST-MODIFIED:20260102T090000Z\n"
        let entries = try plan(ics(retitledSeries), stored: stored)
        #expect(entries[0].outcome == .update)
        #expect(applied(entries, to: stored)[0].title == "Founders' drinks")
        // A later stamp with the same content (a fresh export) only records the version.
        let fresh = try plan(ics(series.replacingOccurrences(of: "DTSTAMP:20260101", with: "DTSTAMP:20260301")), stored: stored)
        #expect(fresh[0].outcome == .skip && fresh[0].effects == [.recordVersion(id: 100, EventVersion(sequence: 0, stamp: stamp("2026-03-01T00:00")))])
    }

    @Test func aCancelledSeriesIsRemovedWithItsChangedOccurrences() throws {
        let stored = applied(try plan(ics(series, moved)), to: [])
        let entries = try plan(ics(series + "STATUS:CANCELLED\nSEQUENCE:1\n", moved), stored: stored)
        #expect(entries.map(\.outcome) == [.cancel, .skip])
        #expect(entries[0].effects == [.remove(id: 100), .remove(id: 101)])
        #expect(entries[1].note?.hasSuffix("its series is cancelled") == true)
        #expect(applied(entries, to: stored).isEmpty)
        // Cancelled and not in Relance: nothing to do.
        #expect(try plan(ics(series + "STATUS:CANCELLED\n"))[0].note == "cancelled in the calendar, and not in Relance")
    }

    @Test func aCancelledOccurrenceIsLeftOutOfItsStoredSeries() throws {
        let stored = applied(try plan(ics(series, moved)), to: [])
        let cancelledMove = moved + "STATUS:CANCELLED\nSEQUENCE:1\n"
        let entries = try plan(ics(cancelledMove), stored: stored)
        #expect(entries[0].outcome == .cancel)
        #expect(entries[0].effects == [.remove(id: 101), .exclude(id: 100, exdate: local("2026-01-13T19:00"))])
        let after = applied(entries, to: stored)
        #expect(after.count == 1 && after[0].recurrence!.exdates == [local("2026-01-13T19:00")])
    }

    @Test func anEventThatEndsBeforeItStartsIsRejectedWithItsReason() throws {
        let entries = try plan(ics("UID:x@y\nDTSTAMP:20260101T000000Z\nDTSTART:20260106T190000Z\nDTEND:20260106T180000Z\nSUMMARY:Oops\n"))
        #expect(entries[0].outcome == .reject && entries[0].note?.contains("ends before it starts") == true)
    }

    func stamp(_ text: String) -> Date { local(text).instant(in: TimeZone(identifier: "UTC")!) }
}

@Suite struct EventVersionTests {
    @Test func aHigherSequenceWinsThenALaterStamp() {
        let jan = Date(timeIntervalSince1970: 1_767_225_600), feb = jan.addingTimeInterval(31 * 86_400)
        #expect(EventVersion(sequence: 2, stamp: jan).supersedes(EventVersion(sequence: 1, stamp: feb)))
        #expect(!EventVersion(sequence: 1, stamp: feb).supersedes(EventVersion(sequence: 2, stamp: jan)))
        #expect(EventVersion(sequence: 1, stamp: feb).supersedes(EventVersion(sequence: 1, stamp: jan)))
        #expect(!EventVersion(sequence: 1, stamp: jan).supersedes(EventVersion(sequence: 1, stamp: jan)))
        #expect(EventVersion(sequence: 0, stamp: jan).supersedes(EventVersion()))
        #expect(!EventVersion().supersedes(EventVersion()))
    }

    @Test func anOccurrenceIDKeyReadsBack() {
        let instant = OccurrenceID.instant(Date(timeIntervalSince1970: 1_768_327_200))
        #expect(instant.key == "2026-01-13T18:00:00Z" && OccurrenceID(key: instant.key) == instant)
        let wall = OccurrenceID.local(local("2026-01-13T19:00"))
        #expect(wall.key == "2026-01-13T19:00:00" && OccurrenceID(key: wall.key) == wall)
        #expect(OccurrenceID(key: "yesterday") == nil)
    }
}

extension EventImportPlannerTests {
    @Test func aNewerSeriesDropsTheChangedOccurrencesItNoLongerLists() throws {
        let stored = applied(try plan(ics(series, moved, retitled)), to: [])
        // The series moved to 19:30: its changes are re-keyed; only the retitled one is left.
        let later = series.replacingOccurrences(of: "T190000", with: "T193000") + "SEQUENCE:1\n"
        let rekeyed = retitled.replacingOccurrences(of: "RECURRENCE-ID:20260120T180000Z", with: "RECURRENCE-ID:20260120T183000Z")
        let entries = try plan(ics(later, rekeyed), stored: stored)
        #expect(entries.map(\.outcome) == [.update, .add])
        #expect(entries[0].effects.dropFirst() == [.remove(id: 101), .remove(id: 102)])
        #expect(entries[0].note?.hasSuffix("removed 2 changed occurrences the calendar no longer lists (2026-01-14 20:00, 2026-01-20 19:00)") == true)
        let after = applied(entries, to: stored)
        #expect(after.map(\.title) == ["Founders meetup", "Founders meetup: demo night"])
        #expect(after[0].recurrence!.exdates == [local("2026-01-20T19:30")])
    }
}

extension EventImportPlannerTests {
    @Test func theChangesOfASeriesCancelledBeforeItWasImportedAreNotImportedEither() throws {
        let entries = try plan(ics(series + "STATUS:CANCELLED\n", moved))
        #expect(entries.map(\.outcome) == [.skip, .skip] && entries.allSatisfy(\.effects.isEmpty))
    }
}

extension EventImportPlannerTests {
    @Test func theMovedMeetupOfTheGeneratedFixtureIsKeptRetitledAtItsNewTime() throws {
        let entries = try plan(Fixture.text("meetups.ics"))
        #expect(entries[1].outcome == .add)
        #expect(entries[1].note == "the 2026-03-03 19:00 occurrence of 'Founders meetup, Paris', moved to 2026-03-04 19:00, "
                + "retitled 'Founders meetup, Paris (moved)': kept as its own event")
        #expect(Set(applied(entries, to: [])[0].recurrence!.exdates) == [local("2026-08-04T19:00"), local("2026-03-03T19:00")])
    }

    @Test func theThirdPartyFileWithAChangedOccurrenceAndNoSeriesImportsAOneOffEventOnce() throws {
        // From Python icalendar's own test suite (see Fixtures/SOURCES.md).
        let text = try Fixture.text("icalendar-issue-1231-recurrence.ics")
        let entries = try plan(text)
        #expect(entries.map(\.outcome) == [.add])
        #expect(entries[0].note == "the 2025-04-28 16:05 occurrence of UID test-uid, changed: "
                + "its series is neither in this import nor in Relance, so a one-off event")
        let stored = applied(entries, to: [])
        #expect(stored[0].occurrenceID == .instant(local("2025-04-28T16:05").instant(in: TimeZone(identifier: "UTC")!)))
        #expect(try plan(text, stored: stored).map(\.outcome) == [.skip])
    }
}

extension EventImportPlannerTests {
    @Test func theSameEventTwiceInOneImportIsImportedOnceInItsNewestVersion() throws {
        let newer = series.replacingOccurrences(of: "LOCATION:Station F", with: "LOCATION:Schoolab") + "SEQUENCE:3\n"
        let entries = try plan(ics(series, newer, moved, moved))
        #expect(entries.map(\.outcome) == [.skip, .add, .add, .skip])
        #expect(entries[0].note == "UID founders@example.org appears twice in this import; the newer copy (SEQUENCE 3, modified 2026-01-01T00:00:00Z) is used")
        #expect(entries[3].note?.hasSuffix("appears twice in this import; the first copy is used") == true)
        let stored = applied(entries, to: [])
        #expect(stored.map(\.place) == ["Schoolab", "Le Wagon"])
        #expect(stored[0].recurrence!.exdates == [local("2026-01-13T19:00")])
    }
}

/// Issue #12: importing an export adds nothing.
@Suite struct EventImportPlannerExportTests {
    @Test func relancesOwnRemindersAndMeetingsAreSkippedNotAdded() throws {
        let event = ICSEvent(uid: "reminder-4@relance", summary: "Call Ada", start: LocalDateTime("2026-12-10T18:00")!,
                             timeZoneIdentifier: "UTC", relanceKind: "reminder")
        let entries = EventImportPlanner.plan([event], stored: [], userZone: TimeZone(identifier: "UTC")!, defaultReminders: [])
        #expect(entries.map(\.outcome) == [.skip])
        #expect(entries[0].note?.contains("Relance's own reminder") == true)
    }

    @Test func anAllDayEventBecomesAnAllDayNetworkingEvent() throws {
        let event = ICSEvent(uid: "day@x", summary: "Founders Day", start: LocalDateTime("2026-12-16T00:00")!, isAllDay: true)
        let paris = TimeZone(identifier: "Europe/Paris")!
        let content = try event.networkingEvent(userZone: paris, defaultReminders: [])
        #expect(content.isAllDay && content.duration == 86_400 && content.timeZone == "Europe/Paris")
    }
}

/// Issue #12: a cancelled series is remembered.
@Suite struct EventImportPlannerTombstoneTests {
    let utc = TimeZone(identifier: "UTC")!
    func series(sequence: Int) -> ICSEvent {
        ICSEvent(uid: "s@x", summary: "Founders", start: LocalDateTime("2026-12-10T18:00")!, timeZoneIdentifier: "UTC",
                 recurrence: Recurrence(rrule: "FREQ=WEEKLY;COUNT=3"), version: EventVersion(sequence: sequence))
    }

    @Test func anOlderCopyOfACancelledSeriesIsSkippedAndANewerOneAdded() {
        let tombstones = ["s@x": EventVersion(sequence: 2)]
        let older = EventImportPlanner.plan([series(sequence: 1)], stored: [], userZone: utc, defaultReminders: [], tombstones: tombstones)
        #expect(older.map(\.outcome) == [.skip])
        #expect(older[0].note?.contains("cancelled by the calendar in an earlier import") == true)
        let newer = EventImportPlanner.plan([series(sequence: 3)], stored: [], userZone: utc, defaultReminders: [], tombstones: tombstones)
        #expect(newer.map(\.outcome) == [.add])
        // Without the tombstone, the same older copy is added (what happened before).
        #expect(EventImportPlanner.plan([series(sequence: 1)], stored: [], userZone: utc, defaultReminders: []).map(\.outcome) == [.add])
    }
}

@Suite struct AllDayLengthTests {
    @Test func anAllDayEventWhoseEndEqualsItsStartLastsThatDay() throws {
        // Python icalendar's example.ics (and many holiday exporters): DTEND = DTSTART.
        let event = ICSEvent(uid: "ny@x", summary: "New Year's Day", start: LocalDateTime("2022-01-01T00:00")!, isAllDay: true,
                             end: LocalDateTime("2022-01-01T00:00")!)
        let content = try event.networkingEvent(userZone: TimeZone(identifier: "UTC")!, defaultReminders: [])
        #expect(content.isAllDay && content.duration == 86_400)
    }
}
