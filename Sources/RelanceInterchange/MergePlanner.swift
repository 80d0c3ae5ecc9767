import Foundation
import RelanceCore

/// Decides, for each imported record, whether it is a new person, more about someone
/// already known, or nothing new. Pure: it reads contacts and returns a plan.
///
/// People are matched on an e-mail address (ignoring case) or a profile URL (see
/// `ProfileURL`), never on a name alone: two "Jean Martin" who share no address are two
/// people, and the plan says a namesake exists. Records of one import that share an
/// address are merged together the same way. Planning the same import again after
/// applying it gives only skips; a record with no address at all counts as already
/// imported when a namesake holds everything it says and contradicts nothing.
///
/// Cost: linear in contacts and records (keys are looked up in dictionaries).
public enum MergePlanner {
    /// The plan for importing `imported` into an address book holding `existing`.
    ///
    /// - Parameters:
    ///   - existing: the contacts in the store; the first one holding a key owns it.
    ///   - imported: the records, in the order they should be applied.
    ///   - rejections: the parsers' rejections, carried into the plan's report.
    public static func plan(existing: [Contact], imported: [ImportedContact],
                            rejections: [ImportRejection] = []) -> ImportPlan {
        var state = PlannerState(existing: existing)
        let entries = imported.map { state.decide($0) }
        return ImportPlan(entries: state.finalize(entries), rejections: rejections)
    }

    /// The keys that identify a person: `email:<address>` and `url:<profile>`.
    static func keys(emails: [String], handles: [String: String]) -> [String] {
        var keys = emails.map { "email:" + $0.lowercased() }
        for (network, handle) in handles.sorted(by: { $0.key < $1.key }) {
            let url = network == "linkedin" ? ProfileURL.linkedInKey(handle) : ProfileURL.normalized(handle)
            if let url { keys.append("url:" + url) }
        }
        return keys
    }

    /// A name compared without case or accents ("Émilie" = "emilie").
    static func nameKey(_ name: String) -> String {
        name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// The address book as the plan so far leaves it, and the indexes to search it.
private struct PlannerState {
    /// A contact a record can merge into: an existing one (by index) or one this import adds (by entry index).
    enum Target: Hashable {
        case existing(Int)
        case pending(Int)
    }

    let existing: [Contact]
    var existingDrafts: [ContactDraft]
    /// Drafts of the contacts this import adds, by entry index.
    var pendingDrafts: [Int: ContactDraft] = [:]
    var pendingSources: [Int: SourceLocation] = [:]
    /// The earliest first interaction among the records merged into each added contact.
    var pendingFirstInteractions: [Int: Date?] = [:]
    var keyOwner: [String: Target] = [:]
    var existingByName: [String: [Int]] = [:]
    var pendingByName: [String: [Int]] = [:]
    /// Existing namesakes already matched by a record without keys (each absorbs one).
    var consumed = Set<Int>()
    var entryCount = 0

    init(existing: [Contact]) {
        self.existing = existing
        existingDrafts = existing.map {
            ContactDraft(name: $0.name, emails: $0.emails, handles: $0.handles, organization: $0.organization,
                         timeZone: $0.timeZone, why: $0.why, tags: $0.tags, notes: $0.notes, details: $0.details)
        }
        for (index, contact) in existing.enumerated() {
            for key in MergePlanner.keys(emails: contact.emails, handles: contact.handles) where keyOwner[key] == nil {
                keyOwner[key] = .existing(index)
            }
            existingByName[MergePlanner.nameKey(contact.name), default: []].append(index)
        }
    }

    func draft(of target: Target) -> ContactDraft {
        switch target {
        case .existing(let index): existingDrafts[index]
        case .pending(let entry): pendingDrafts[entry]!
        }
    }

    func label(of target: Target) -> String {
        switch target {
        case .existing(let index): "#\(existing[index].id)"
        case .pending(let entry): "the new contact from \(pendingSources[entry]!)"
        }
    }

    mutating func decide(_ record: ImportedContact) -> ImportPlan.Entry {
        defer { entryCount += 1 }
        let draft = record.draft
        let entryIndex = entryCount
        let keys = MergePlanner.keys(emails: draft.emails, handles: draft.handles)
        var targets: [Target] = []
        for key in keys { if let owner = keyOwner[key], !targets.contains(owner) { targets.append(owner) } }
        let target = targets.first { if case .existing = $0 { true } else { false } } ?? targets.first
        var notes = record.warnings + targets.filter { $0 != target }.map { "also shares an e-mail or profile with \(label(of: $0)); not merged with it" }

        guard let target else {
            let nameKey = MergePlanner.nameKey(draft.name)
            if keys.isEmpty, let twin = keylessTwin(of: draft, nameKey: nameKey) {
                consumed.insert(twin)
                return ImportPlan.Entry(source: record.source, name: draft.name,
                                        action: .skip(reason: "already up to date (same as #\(existing[twin].id), which has everything this record has)"))
            }
            for index in existingByName[nameKey] ?? [] {
                notes.append("a contact named \(existing[index].name) already exists (#\(existing[index].id)) but shares "
                    + "no e-mail or profile with this record; added as another person")
            }
            for entry in pendingByName[nameKey] ?? [] {
                notes.append("\(pendingSources[entry]!) is also named \(draft.name) but shares no e-mail or profile; "
                    + "added as another person")
            }
            pendingDrafts[entryIndex] = draft
            pendingSources[entryIndex] = record.source
            pendingByName[nameKey, default: []].append(entryIndex)
            for key in keys where keyOwner[key] == nil { keyOwner[key] = .pending(entryIndex) }
            pendingFirstInteractions[entryIndex] = record.firstInteraction
            return ImportPlan.Entry(source: record.source, name: draft.name,
                                    action: .add(draft: draft, firstInteraction: record.firstInteraction), notes: notes)
        }

        if case .pending(let entry) = target, let date = record.firstInteraction {
            pendingFirstInteractions[entry] = min(date, (pendingFirstInteractions[entry] ?? nil) ?? date)
        }
        let changes = self.changes(from: draft, to: target, notes: &notes)
        guard !changes.isEmpty else {
            let reason = switch target {
            case .existing: "already up to date"
            case .pending(let entry): "duplicate of \(pendingSources[entry]!) in this import, nothing new"
            }
            return ImportPlan.Entry(source: record.source, name: draft.name, action: .skip(reason: reason), notes: notes)
        }
        let newKeys = MergePlanner.keys(emails: changes.newEmails, handles: changes.newHandles)
        for key in newKeys where keyOwner[key] == nil { keyOwner[key] = target }
        switch target {
        case .existing(let index):
            existingDrafts[index] = changes.applied(to: existingDrafts[index])
            return ImportPlan.Entry(source: record.source, name: draft.name,
                                    action: .merge(into: existing[index].id, changes: changes), notes: notes)
        case .pending(let entry):
            pendingDrafts[entry] = changes.applied(to: pendingDrafts[entry]!)
            return ImportPlan.Entry(source: record.source, name: draft.name,
                                    action: .mergeWithImported(first: pendingSources[entry]!, changes: changes), notes: notes)
        }
    }

    /// What `draft` adds to `target`. An address owned by another contact is left out
    /// (it would make the two indistinguishable next time); differing single values are
    /// kept as they are and noted.
    func changes(from draft: ContactDraft, to target: Target, notes: inout [String]) -> ContactChanges {
        let current = self.draft(of: target)
        var changes = ContactChanges()
        var known = Set(current.emails.map { $0.lowercased() })
        for email in draft.emails where !known.contains(email.lowercased()) {
            if let owner = keyOwner["email:" + email.lowercased()], owner != target {
                notes.append("\(email) belongs to \(label(of: owner)); not added")
                continue
            }
            known.insert(email.lowercased())
            changes.newEmails.append(email)
        }
        for (network, handle) in draft.handles.sorted(by: { $0.key < $1.key }) {
            if let mine = current.handles[network] {
                let mineKey = MergePlanner.keys(emails: [], handles: [network: mine])
                let theirKey = MergePlanner.keys(emails: [], handles: [network: handle])
                let same = mineKey.isEmpty && theirKey.isEmpty
                    ? mine.caseInsensitiveCompare(handle) == .orderedSame : mineKey == theirKey
                if !same {
                    notes.append("\(network) differs: kept \(mine), the file has \(handle)")
                }
                continue
            }
            if let key = MergePlanner.keys(emails: [], handles: [network: handle]).first,
               let owner = keyOwner[key], owner != target {
                notes.append("\(network) \(handle) belongs to \(label(of: owner)); not added")
                continue
            }
            changes.newHandles[network] = handle
        }
        let tags = Set(current.tags.map { $0.lowercased() })
        changes.newTags = draft.tags.filter { !tags.contains($0.lowercased()) }
        if let organization = draft.organization {
            if let mine = current.organization {
                if mine.caseInsensitiveCompare(organization) != .orderedSame {
                    notes.append("organization differs: kept \(mine), the file has \(organization)")
                }
            } else { changes.organization = organization }
        }
        if let zone = draft.timeZone {
            if let mine = current.timeZone {
                if mine != zone { notes.append("time zone differs: kept \(mine), the file has \(zone)") }
            } else { changes.timeZone = zone }
        }
        if current.why == nil { changes.why = draft.why }
        if current.notes == nil { changes.notes = draft.notes }
        let phones = Set(current.details.phones.map(MergePlanner.phoneKey))
        changes.newPhones = draft.details.phones.filter { !phones.contains(MergePlanner.phoneKey($0)) }
        let websites = Set(current.details.websites.map { $0.lowercased() })
        changes.newWebsites = draft.details.websites.filter { !websites.contains($0.lowercased()) }
        let mine = current.details, theirs = draft.details
        // The UID our export derived for a contact imported without one is nothing new:
        // taken as new, the contact's own export would come back as another person.
        var derivedUID: String?
        if case .existing(let index) = target, mine.uid == nil { derivedUID = VCardWriter.uid(for: existing[index]) }
        func fill(_ field: String, _ keyPath: WritableKeyPath<ContactDetails, String?>) {
            guard let value = theirs[keyPath: keyPath], keyPath != \.uid || value != derivedUID else { return }
            if let kept = mine[keyPath: keyPath] {
                if kept.caseInsensitiveCompare(value) != .orderedSame, field != "vCard UID" {
                    notes.append("\(field) differs: kept \(kept), the file has \(value)")
                }
            } else {
                changes.details[keyPath: keyPath] = value
            }
        }
        fill("title", \.title); fill("department", \.department); fill("given name", \.givenName)
        fill("family name", \.familyName); fill("birthday", \.birthday); fill("photo", \.photo); fill("vCard UID", \.uid)
        return changes
    }

    /// An existing namesake that already holds everything a record without e-mail or
    /// profile says and contradicts none of it, not yet matched by another such record:
    /// the same record imported before. Anything new or different means another person.
    func keylessTwin(of draft: ContactDraft, nameKey: String) -> Int? {
        (existingByName[nameKey] ?? []).first { index in
            guard !consumed.contains(index) else { return false }
            var notes: [String] = []
            return changes(from: draft, to: .existing(index), notes: &notes).isEmpty && notes.isEmpty
        }
    }

    /// The entries with each `add` carrying its draft after the merges that followed it.
    func finalize(_ entries: [ImportPlan.Entry]) -> [ImportPlan.Entry] {
        entries.enumerated().map { index, entry in
            guard case .add = entry.action, let draft = pendingDrafts[index] else { return entry }
            var entry = entry
            entry.action = .add(draft: draft, firstInteraction: pendingFirstInteractions[index] ?? nil)
            return entry
        }
    }
}

extension MergePlanner {
    /// A phone number as compared: its digits and a leading "+" ("+44 20 7946-0000" = "+442079460000").
    static func phoneKey(_ phone: String) -> String {
        String(phone.filter { $0.isNumber || $0 == "+" })
    }
}
