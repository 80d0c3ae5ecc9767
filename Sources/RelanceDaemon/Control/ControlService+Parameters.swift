import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Parameter values in their wire form (text) to core values, each failure an
// InvalidParameter naming the field.

extension ControlService {
    /// An instant parameter: ISO 8601 as the IDL writes instants, or a time as a person
    /// types it ("tomorrow 9:30", "in 2h"), read in the user's zone at the daemon's now,
    /// so a client needs no zone of its own (issue #15). `since`-like filters look back;
    /// an event's RSVP deadline is read in the event's `zone`.
    func instant(_ text: String, _ parameter: String, in zone: TimeZone? = nil,
                 looking direction: WhenExpression.Direction = .ahead) throws -> Date {
        if let date = JSONCoding.parseDate(text) { return date }
        do {
            return try WhenExpression.parse(text, now: clock.now(), timeZone: zone ?? configuration.userZone, looking: direction)
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }

    /// `instant(_:_:looking:)` for an optional parameter.
    func instant(_ text: String?, _ parameter: String, in zone: TimeZone? = nil,
                 looking direction: WhenExpression.Direction = .ahead) throws -> Date? {
        try text.map { try instant($0, parameter, in: zone, looking: direction) }
    }

    /// The user's IANA zone, which replies carry so clients show instants in it.
    var zoneName: String { configuration.userZone.identifier }
}

/// Parameter readings both Control services share (the personal daemon's and a team
/// node's), so the same input is read, or refused, the same way by both.
enum ControlParameters {
    /// What `UpdateOutreach` changes, its sequence read against the outreach's own
    /// (`base`), or InvalidParameter when it changes nothing.
    static func outreachEdit(_ p: UpdateOutreach.Parameters, base: FollowUpPolicy, sentAt: Date?) throws -> OutreachEdit {
        var edit = OutreachEdit(ask: p.ask, channel: p.channel, sentAt: sentAt)
        if p.followUp != nil || p.policy != nil || p.steps != nil || p.letGo != nil || p.neverLetGo != nil {
            edit.policy = try policy(followUp: p.followUp, preset: p.policy, steps: p.steps, letGo: p.letGo,
                                     neverLetGo: p.neverLetGo, base: base)
        }
        guard !edit.fieldNames.isEmpty else {
            throw ControlError.invalidParameter("outreach", reason: "nothing to change: give ask, channel, sentAt, followUp, policy, steps, letGo or neverLetGo")
        }
        return edit
    }

    /// The meeting a reply agrees to (`meetingAt`, `place`, `duration`), its contact and
    /// outreach left for the store to fill in; nil without `meetingAt`.
    static func agreedMeeting(_ p: RecordReply.Parameters, outcome: ReplyOutcome, at meetingAt: Date?) throws -> MeetingDraft? {
        guard let meetingAt else { return nil }
        guard outcome == .meeting else { throw ControlError.invalidParameter("meetingAt", reason: "only with outcome meeting") }
        guard let place = p.place else { throw ControlError.invalidParameter("place", reason: "say where the meeting is") }
        return MeetingDraft(contactID: 0, startsAt: meetingAt,
                            duration: try duration(p.duration, "duration", default: ISODuration(hours: 1)), place: place)
    }

    static func duration(_ text: String?, _ parameter: String, default value: ISODuration) throws -> ISODuration {
        guard let text else { return value }
        do { return try ISODuration(parsing: text) } catch { throw ControlError.invalidParameter(parameter, reason: "\(error)") }
    }

    static func wait(_ text: String, _ parameter: String) throws -> Wait {
        do { return try Wait(parsing: text) } catch { throw ControlError.invalidParameter(parameter, reason: "\(error)") }
    }

    static func wait(_ info: WaitInfo, _ parameter: String) throws -> Wait {
        switch (info.duration, info.businessDays) {
        case (let duration?, nil):
            do { return try Wait.duration(try ISODuration(parsing: duration)).bounded(duration) } catch {
                throw ControlError.invalidParameter(parameter + ".duration", reason: "\(error)")
            }
        case (nil, let days?) where days >= 0 && days <= Wait.maximumBusinessDays: return .businessDays(days)
        case (nil, _?):
            throw ControlError.invalidParameter(parameter + ".businessDays",
                                                reason: "must be from 0 to \(Wait.maximumBusinessDays) (ten years)")
        default: throw ControlError.invalidParameter(parameter, reason: "give either duration or businessDays")
        }
    }

    /// The sequence an outreach asks for: a preset, explicit steps, or one wait
    /// (`FollowUpPolicy.resolve` is the one reading, shared with the configuration).
    static func policy(_ p: LogOutreach.Parameters, base: FollowUpPolicy) throws -> FollowUpPolicy {
        try policy(followUp: p.followUp, preset: p.policy, steps: p.steps, letGo: p.letGo, neverLetGo: p.neverLetGo, base: base)
    }

    static func policy(followUp: String?, preset: String?, steps: [WaitInfo]?, letGo letGoInfo: WaitInfo?,
                       neverLetGo: Bool?, base: FollowUpPolicy) throws -> FollowUpPolicy {
        var nudges: [Wait]?
        if let text = followUp { nudges = try text.split(separator: ",").map { try wait(String($0), "followUp") } }
        if let steps { nudges = try steps.enumerated().map { try wait($1, "steps[\($0)]") } }
        var letGo: FollowUpPolicy.LetGo?
        if let text = letGoInfo { letGo = .after(try wait(text, "letGo")) }
        if neverLetGo == true { letGo = .never }
        do {
            return try FollowUpPolicy.resolve(preset: preset, nudges: nudges, letGo: letGo, base: base)
        } catch {
            let parameter = switch error.part { case .preset: "policy"; case .nudges: "steps"; case .letGo: "letGo" }
            throw ControlError.invalidParameter(parameter, reason: error.reason)
        }
    }

    /// What AddContact asks to create (validated by the store).
    static func contactDraft(_ p: AddContact.Parameters) throws -> ContactDraft {
        let keepInTouch = try p.keepInTouch.map(cadence)
        return ContactDraft(name: p.name, emails: p.emails ?? [], handles: p.handles ?? [:],
                     organization: p.organization, timeZone: p.timeZone, why: p.why,
                     tags: p.tags ?? [], notes: p.notes, keepInTouch: keepInTouch,
                     details: ContactDetails(phones: p.phones ?? [], title: p.title, department: p.department,
                                             websites: p.websites ?? [], givenName: p.givenName,
                                             familyName: p.familyName, birthday: p.birthday, photo: p.photo))
    }

    /// What `UpdateContact` changes (`keepInTouch` "never" or empty clears the cadence).
    static func contactPatch(_ p: UpdateContact.Parameters) throws -> ContactPatch {
        var keepInTouch: Wait??
        if let text = p.keepInTouch { keepInTouch = text == "never" || text.isEmpty ? .some(nil) : .some(try cadence(text)) }
        return ContactPatch(name: p.name, emails: p.emails, handles: p.handles, organization: p.organization,
                     timeZone: p.timeZone, why: p.why, tags: p.tags, notes: p.notes, keepInTouch: keepInTouch,
                     phones: p.phones, websites: p.websites, title: p.title, department: p.department,
                     givenName: p.givenName, familyName: p.familyName, birthday: p.birthday, photo: p.photo)
    }

    /// A keep-in-touch cadence: a wait of at least a day (a shorter one would flood the
    /// inbox with reminders about the same person).
    static func cadence(_ text: String) throws -> Wait {
        let cadence = try wait(text, "keepInTouch")
        guard cadence.isAtLeastADay else {
            throw ControlError.invalidParameter("keepInTouch", reason: "'\(text)' is shorter than a day; give e.g. P90D or 60bd")
        }
        return cadence
    }

    /// ListContacts' query: the name, and what else people remember someone by (an
    /// organization, a job title, a phone number, a web site); nil or blank keeps all.
    static func contactMatcher(_ query: String?) -> (Contact) -> Bool {
        guard let query = query?.trimmingCharacters(in: .whitespaces), !query.isEmpty else { return { _ in true } }
        return { contact in
            ([contact.name, contact.organization].compactMap { $0 } + contact.details.searchableText).contains {
                $0.range(of: query, options: [.caseInsensitive, .diacriticInsensitive]) != nil
            }
        }
    }

    /// ListOutreach's status filter.
    static func outreachStatus(_ text: String?) throws -> OutreachStatus? {
        try text.map { try oneOf($0, "status") }
    }

    /// RecordReply's outcome.
    static func replyOutcome(_ text: String) throws -> ReplyOutcome { try oneOf(text, "outcome") }

    /// One of an enumeration's names, or InvalidParameter listing them all.
    static func oneOf<Value: RawRepresentable & CaseIterable>(_ text: String, _ parameter: String) throws -> Value
        where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            throw ControlError.invalidParameter(parameter, reason: "'\(text)' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

extension OutreachEdit {
    /// What `UpdateOutreach` did, for a person: "changed ask; cancelled 1 pending
    /// reminder; next follow-up Mon 9 Dec 09:30".
    func summary(cancelled: Int, next: Reminder?, zone: TimeZone) -> String {
        var summary = "changed " + fieldNames.joined(separator: ", ")
        if cancelled > 0 { summary += "; cancelled \(Corrections.count(cancelled, "pending reminder"))" }
        if let next {
            summary += "; next \(next.kind == .letGo ? "let-go" : "follow-up") \(Planner.describeMoment(next.fireAt, zone))"
        }
        return summary
    }
}
