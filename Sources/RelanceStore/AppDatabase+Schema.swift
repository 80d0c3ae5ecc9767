import GRDB

extension AppDatabase {
    /// Versioned schema. A released migration is never edited: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: contacts, outreach, reminders, inbox") { db in
            try db.create(table: "contact") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("emails", .text).notNull()        // JSON array
                t.column("handles", .text).notNull()       // JSON object
                t.column("organization", .text)
                t.column("timeZone", .text)
                t.column("why", .text)
                t.column("tags", .text).notNull()          // JSON array
                t.column("notes", .text)
                t.column("createdAt", .double).notNull()   // seconds since 1970, UTC
                t.column("updatedAt", .double).notNull()
            }
            try db.create(table: "outreach") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("contactId", .integer).notNull().indexed()
                    .references("contact", onDelete: .cascade)
                t.column("channel", .text).notNull()
                t.column("ask", .text).notNull()
                t.column("sentAt", .double).notNull()
                t.column("status", .text).notNull()
                t.column("followUpDelay", .text).notNull()  // ISO 8601 duration
                t.column("closedAt", .double)
            }
            try db.create(table: "inboxItem") { t in
                t.autoIncrementedPrimaryKey("id")
                // One inbox item per reminder, enforced by the schema too.
                t.column("reminderId", .integer).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("text", .text).notNull()
                t.column("contactId", .integer).references("contact", onDelete: .setNull)
                t.column("outreachId", .integer).references("outreach", onDelete: .setNull)
                t.column("dueAt", .double).notNull()
                t.column("firedAt", .double).notNull()
                t.column("late", .boolean).notNull()
                t.column("state", .text).notNull()
                t.column("snoozedUntil", .double)
            }
            try db.create(index: "inboxItem_state", on: "inboxItem", columns: ["state", "firedAt"])
            try db.create(table: "reminder") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("text", .text).notNull()
                t.column("contactId", .integer).indexed().references("contact", onDelete: .setNull)
                t.column("outreachId", .integer).indexed().references("outreach", onDelete: .cascade)
                t.column("dueAt", .double).notNull()
                t.column("state", .text).notNull()
                t.column("firedAt", .double)
                t.column("resurfacesInboxId", .integer).indexed().references("inboxItem", onDelete: .cascade)
            }
            // The scheduler loads and orders only pending reminders.
            try db.execute(sql: "CREATE INDEX reminder_pending ON reminder(dueAt) WHERE state = 'pending'")
        }
        migrator.registerMigration("v2: polite timing, meetings, events, keep in touch") { db in
            try db.alter(table: "outreach") { t in
                t.add(column: "policy", .text)               // JSON FollowUpPolicy
                t.add(column: "followUpsSent", .integer).notNull().defaults(to: 0)
                t.add(column: "lastFollowUpAt", .double)
            }
            try db.execute(sql: """
                UPDATE outreach SET policy = json_object('nudges', json_array(followUpDelay), 'letGo', NULL)
                """)
            try db.alter(table: "contact") { t in
                t.add(column: "keepInTouch", .text)          // Wait text: "P90D" or "60bd"
            }
            try db.create(table: "interaction") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("contactId", .integer).notNull().indexed().references("contact", onDelete: .cascade)
                t.column("outreachId", .integer).references("outreach", onDelete: .setNull)
                t.column("kind", .text).notNull()
                t.column("at", .double).notNull()
                t.column("note", .text)
            }
            try db.create(table: "meeting") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("contactId", .integer).notNull().indexed().references("contact", onDelete: .cascade)
                t.column("outreachId", .integer).references("outreach", onDelete: .setNull)
                t.column("startsAt", .double).notNull()
                t.column("endsAt", .double).notNull()
                t.column("place", .text).notNull()
                t.column("notes", .text)
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("uid", .text).notNull().unique()   // iCalendar UID: idempotent imports
                t.column("title", .text).notNull()
                t.column("start", .text).notNull()          // wall clock, e.g. 2026-12-10T19:00:00
                t.column("timeZone", .text).notNull()       // IANA zone of `start`
                t.column("durationSeconds", .double).notNull()
                t.column("place", .text)
                t.column("url", .text)
                t.column("details", .text)
                t.column("rsvpBy", .double)
                t.column("recurrence", .text)               // JSON Recurrence (RRULE, EXDATE, RDATE)
                t.column("reminders", .text).notNull()      // JSON [ISO 8601 durations before start]
                t.column("createdAt", .double).notNull()
            }
            try db.alter(table: "reminder") { t in
                t.add(column: "fireAt", .double)            // when it fires (window applied)
                t.add(column: "reason", .text).notNull().defaults(to: "")
                t.add(column: "anchorAt", .double)          // the instant its rule counts from
                t.add(column: "step", .integer)             // follow-up step, 0-based
                t.add(column: "meetingId", .integer).references("meeting", onDelete: .cascade)
                t.add(column: "eventId", .integer).references("event", onDelete: .cascade)
                t.add(column: "offset", .text)              // event reminder: ISO 8601 before start, or "after"
            }
            try db.execute(sql: "UPDATE reminder SET fireAt = dueAt, anchorAt = dueAt")
            try db.execute(sql: "DROP INDEX reminder_pending")
            try db.execute(sql: "CREATE INDEX reminder_pending ON reminder(fireAt) WHERE state = 'pending'")
            try db.create(index: "reminder_event", on: "reminder", columns: ["eventId", "anchorAt"])
        }
        migrator.registerMigration("v3: delivery outbox") { db in
            try db.create(table: "delivery") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("inboxItemId", .integer).notNull().indexed().references("inboxItem", onDelete: .cascade)
                t.column("reminderId", .integer).notNull()   // the firing: a snooze's comes back with its own
                t.column("channel", .text).notNull()
                t.column("state", .text).notNull()           // pending, sent
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .double).notNull()
                t.column("lastAttemptAt", .double)
                t.column("lastError", .text)
                t.column("receipt", .text)
                t.column("sentAt", .double)
                t.column("digest", .boolean).notNull().defaults(to: false)
                t.uniqueKey(["reminderId", "channel"])       // one job per firing and channel, ever
            }
            try db.execute(sql: "CREATE INDEX delivery_pending ON delivery(nextAttemptAt) WHERE state = 'pending'")
            try db.create(table: "deliveryAttempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("deliveryId", .integer).notNull().indexed().references("delivery", onDelete: .cascade)
                t.column("at", .double).notNull()
                t.column("ok", .boolean).notNull()
                t.column("detail", .text)
            }
        }
        migrator.registerMigration("v4: daemon bookkeeping") { db in
            // Small facts the daemon must remember across restarts (the last digest).
            try db.create(table: "bookkeeping") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v5: reminders moved by hand") { db in
            try db.alter(table: "reminder") { t in
                // When the user moved it (MoveReminder): its time is theirs, a reload
                // of the rules no longer re-plans it. Seconds since 1970, UTC.
                t.add(column: "movedAt", .double)
            }
        }
        migrator.registerMigration("v6: contact details, mail namespace") { db in
            // What address books carry (issue "What a person reads"): phones and web sites
            // as JSON arrays like emails; a vCard birthday as text ("1815-12-10" or
            // "--12-10"); the UID a card was imported with. Existing contacts get empty values.
            try db.alter(table: "contact") { t in
                t.add(column: "phones", .text).notNull().defaults(to: "[]")
                t.add(column: "title", .text)
                t.add(column: "department", .text)
                t.add(column: "websites", .text).notNull().defaults(to: "[]")
                t.add(column: "givenName", .text)
                t.add(column: "familyName", .text)
                t.add(column: "birthday", .text)
                t.add(column: "photo", .text)
                t.add(column: "uid", .text)
            }
            try db.alter(table: "outreach") { t in
                t.add(column: "messageId", .text)           // the original message's, for replies in its thread
            }
            // Message-IDs must be globally unique (RFC 5322 §3.6.4): this store's random
            // part, so two stores (or a system and a user service) never share one.
            try db.execute(sql: "INSERT OR REPLACE INTO bookkeeping (key, value) VALUES ('messageNamespace', \(Self.newNamespaceSQL))")
        }
        migrator.registerMigration("v7: meetings offered by mail") { db in
            // A meeting a contact offered in a mail (text/calendar REQUEST), waiting for
            // `meeting accept`; its inbox item is the reminder that announced it.
            try db.create(table: "meetingOffer") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("reminderId", .integer).notNull().unique().references("reminder", onDelete: .cascade)
                t.column("contactId", .integer).notNull().references("contact", onDelete: .cascade)
                t.column("outreachId", .integer).references("outreach", onDelete: .setNull)
                t.column("startsAt", .double).notNull()
                t.column("endsAt", .double).notNull()
                t.column("place", .text).notNull()
                t.column("uid", .text)
                t.column("summary", .text)
                t.column("acceptedMeetingId", .integer).references("meeting", onDelete: .setNull)
            }
        }
        migrator.registerMigration("v8: calendar identity and versions of events") { db in
            // Issue #12: a changed occurrence (RECURRENCE-ID) is an event of its own with
            // its series' UID, so the identity becomes (uid, occurrenceId); and an import
            // keeps the calendar's version to tell a newer one from a re-import. SQLite
            // cannot drop the column's UNIQUE, hence the table rebuild (its §7 recipe;
            // the migrator defers foreign-key checks to the end).
            try db.create(table: "event_v8") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("uid", .text).notNull()            // iCalendar UID
                t.column("occurrenceId", .text)             // RECURRENCE-ID key (OccurrenceID.key); nil for a series or one-off
                t.column("title", .text).notNull()
                t.column("start", .text).notNull()          // wall clock, e.g. 2026-12-10T19:00:00
                t.column("timeZone", .text).notNull()       // IANA zone of `start`
                t.column("durationSeconds", .double).notNull()
                t.column("place", .text)
                t.column("url", .text)
                t.column("details", .text)
                t.column("rsvpBy", .double)
                t.column("recurrence", .text)               // JSON Recurrence (RRULE, EXDATE, RDATE)
                t.column("reminders", .text).notNull()      // JSON [ISO 8601 durations before start]
                t.column("createdAt", .double).notNull()
                t.column("sequence", .integer).notNull().defaults(to: 0)  // iCalendar SEQUENCE last imported
                t.column("revisedAt", .double)              // LAST-MODIFIED, else DTSTAMP, last imported (seconds since the epoch)
            }
            try db.execute(sql: """
                INSERT INTO event_v8 (id, uid, title, start, timeZone, durationSeconds, place, url, details, rsvpBy,
                                      recurrence, reminders, createdAt)
                SELECT id, uid, title, start, timeZone, durationSeconds, place, url, details, rsvpBy,
                       recurrence, reminders, createdAt FROM event
                """)
            try db.drop(table: "event")
            try db.rename(table: "event_v8", to: "event")
            try db.execute(sql: "CREATE UNIQUE INDEX event_identity ON event (uid, ifnull(occurrenceId, ''))")
        }
        migrator.registerMigration("v9: files of followed vdirs") { db in
            // Issue #12, live sync through vdirs: which file of a followed folder brought
            // which event UID or contact, so a deleted file removes what it brought and a
            // start reads only the files changed while relanced was down.
            try db.create(table: "syncFile") { t in
                t.primaryKey("path", .text)                 // absolute path of the .ics or .vcf
                t.column("kind", .text).notNull()           // "calendar" or "contacts"
                t.column("stamp", .text).notNull()          // modification time (ns) and size when last read
            }
            try db.create(table: "syncFileItem") { t in
                t.column("path", .text).notNull().indexed()
                    .references("syncFile", column: "path", onDelete: .cascade)
                t.column("uid", .text).notNull().indexed()  // iCalendar UID, or vCard UID ("" without one)
                t.column("contactId", .integer).indexed().references("contact", onDelete: .setNull)
            }
        }
        migrator.registerMigration("v10: reminder indexes only where they point somewhere") { db in
            // Each reminder row went into five indexes: seven WAL pages per `Remind`
            // (issue #15). A reminder the user sets has no contact, outreach, snoozed item
            // or event, yet the four indexes on those columns each held an entry for its
            // NULL. Partial indexes `WHERE column IS NOT NULL` serve the same look-ups
            // (`column = ?`, `column IN (…)`, the foreign-key actions on delete all imply
            // NOT NULL, so SQLite's planner still uses them; a test checks the plans) and
            // cost such a row nothing.
            for column in ["contactId", "outreachId", "resurfacesInboxId"] {
                try db.execute(sql: "DROP INDEX reminder_on_\(column)")
                try db.execute(sql: "CREATE INDEX reminder_on_\(column) ON reminder(\(column)) WHERE \(column) IS NOT NULL")
            }
            try db.execute(sql: "DROP INDEX reminder_event")
            try db.execute(sql: "CREATE INDEX reminder_event ON reminder(eventId, anchorAt) WHERE eventId IS NOT NULL")
        }
        migrator.registerMigration("v11: IMAP folder marks") { db in
            // Issue #13, the IMAP source: how far each folder of each account was read.
            // UIDs only mean something with their folder's UIDVALIDITY (RFC 3501 §2.3.1.1).
            try db.create(table: "imapFolder") { t in
                t.column("account", .text).notNull()        // imaps://user@host:port
                t.column("folder", .text).notNull()         // INBOX, Sent, …
                t.column("uidValidity", .integer).notNull()
                t.column("lastUID", .integer).notNull()     // every UID up to this one was read
                t.column("watchedSince", .double).notNull() // seconds since the epoch, UTC
                t.primaryKey(["account", "folder"])
            }
        }
        migrator.registerMigration("v12: all-day events") { db in
            // Issue #12: a DATE-valued DTSTART stays a whole day (shown "all day", its
            // reminders at the start of the user's day, exported as VALUE=DATE).
            try db.alter(table: "event") { t in
                t.add(column: "allDay", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("v13: imported holidays") { db in
            // Issue #12: `relancectl import --holidays` sends a calendar's dates to the
            // business calendar; they outlive restarts and reloads (the config's
            // [calendar] holidays stay in the config).
            try db.create(table: "holiday") { t in
                t.autoIncrementedPrimaryKey("id")           // snapshots order rows by id
                t.column("date", .text).notNull().unique()  // 2026-12-25
                t.column("name", .text).notNull()           // SUMMARY of the holiday
                t.column("source", .text).notNull()         // the file it came from
                t.column("importedAt", .double).notNull()   // seconds since the epoch, UTC
            }
        }
        migrator.registerMigration("v14: cancelled calendar series") { db in
            // Issue #12: a series the calendar cancelled is remembered by UID with the
            // cancelling version, so an older uncancelled copy imported later (another
            // export, a backup of the calendar) does not bring it back.
            try db.create(table: "cancelledEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("uid", .text).notNull().unique()   // iCalendar UID of the series
                t.column("sequence", .integer).notNull()    // SEQUENCE of the cancellation
                t.column("revisedAt", .double)              // its LAST-MODIFIED, else DTSTAMP (seconds since the epoch)
                t.column("cancelledAt", .double).notNull()  // when Relance read it
            }
        }
        migrator.registerMigration("v15: bouncing addresses") { db in
            // Issue #13: a bounce marks the contact's address it names, until a reply
            // comes from that address (or the address leaves the contact).
            try db.create(table: "bouncingAddress") { t in
                t.autoIncrementedPrimaryKey("id")           // backups read rows by id
                t.column("contactId", .integer).notNull().references("contact", onDelete: .cascade)
                t.column("address", .text).notNull()        // as the contact has it
                t.column("reason", .text)                   // the report's status and words
                t.column("since", .double).notNull()        // seconds since the epoch, UTC
                t.uniqueKey(["contactId", "address"])
            }
        }
        return migrator
    }
}
