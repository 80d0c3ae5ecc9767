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
        return migrator
    }
}
