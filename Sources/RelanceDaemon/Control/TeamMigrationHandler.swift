import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore
import VarlinkProtocol

// `relancectl migrate --from sqlite FILE` (issue #16): a personal store copied into the
// team store for the caller, through the same door as every other call.

extension TeamControlService {
    static func registerMigrationHandler(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(MigrateFromSQLite.self, readOnly: false) { call, p in
            try call.service.migrateFromSQLite(p, user: try call.teamUser(), uid: call.uid)
        }
    }

    private func migrateFromSQLite(_ p: MigrateFromSQLite.Parameters, user: String, uid: UInt32?) throws -> MigrateFromSQLite.Reply {
        guard p.path.hasPrefix("/") else {
            throw ControlError.invalidParameter("path", reason: "\(p.path): give an absolute path (relancectl resolves it for you)")
        }
        let copy: PersonalStoreCopy
        do {
            copy = try AppDatabase.readCopy(path: p.path, owner: Self.requiredOwner(caller: uid))
        } catch let error as PersonalStoreCopyError {
            throw ControlError.invalidParameter("path", reason: error.description)
        }
        let counts: MigrationCounts
        do {
            counts = try store.migrate(copy, user: user, now: clock.now())
        } catch let error as MigrationRefused {
            throw ControlError.invalidParameter("path", reason: "\(p.path): \(error)")
        }
        let summary = Self.summary(counts, path: p.path)
        logger.notice("\(user) migrated \(p.path): \(summary)")
        return MigrateFromSQLite.Reply(contacts: counts.contacts, matchedByEmail: counts.matchedByEmail, outreach: counts.outreach,
                                       meetings: counts.meetings, events: counts.events,
                                       reminders: counts.reminders, alreadyCopied: counts.alreadyCopied,
                                       skippedReminders: counts.skippedReminders, removedInTeam: counts.removedInTeam,
                                       summary: summary)
    }

    /// The node's socket serves several local users: a caller migrates only a file they
    /// own, so nobody copies someone else's store under their own name (nil: any file).
    /// Root and the daemon's own user may name any file (they can read it anyway).
    static func requiredOwner(caller uid: UInt32?) -> uid_t? {
        guard let uid, uid != 0, uid != getuid() else { return nil }
        return uid
    }

    /// "copied 12 contacts, 30 outreach, 9 pending reminders from FILE (3 contacts matched
    /// by e-mail; 0 already copied)".
    static func summary(_ counts: MigrationCounts, path: String) -> String {
        var notes = ["\(Corrections.count(counts.matchedByEmail, "contact")) matched by e-mail",
                     "\(counts.alreadyCopied) already copied"]
        if counts.skippedReminders > 0 {
            notes.append("\(Corrections.count(counts.skippedReminders, "pending reminder")) not taken (snoozes, later steps, keep-in-touch of linked contacts, events the team had)")
        }
        if counts.removedInTeam > 0 {
            notes.append("\(counts.removedInTeam) not copied again: contacts the team removed since, and what was added about them")
        }
        if counts.eventsInTeam > 0 {
            notes.append("\(Corrections.count(counts.eventsInTeam, "event")) the team had already (same UID)")
        }
        return "copied \(Corrections.count(counts.contacts, "contact")), \(counts.outreach) outreach, "
            + "\(Corrections.count(counts.meetings, "meeting")), \(Corrections.count(counts.events, "event")), "
            + "\(Corrections.count(counts.reminders, "pending reminder")) from \(path) (\(notes.joined(separator: "; ")))"
    }
}
