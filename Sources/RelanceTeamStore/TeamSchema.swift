/// The team database's schema, versioned like the SQLite one: each migration is applied
/// once, in order, in one transaction under an advisory lock, so nodes that start
/// together do not race (the first migrates, the others find it done).
///
/// PostgreSQL runs one statement per extended-protocol query, hence lists of statements.
enum TeamSchema {
    struct Migration {
        var name: String
        var statements: [String]
    }

    /// The advisory lock key that serialises migrations ("rlnc").
    static let migrationLock: Int64 = 0x726C_6E63

    /// The channel every change to pending reminders is announced on.
    static let reminderChannel = "relance_reminders"

    /// The channel new inbox items are announced on (their ids), for `Watch` clients of
    /// every node, whichever node fired them.
    static let inboxChannel = "relance_inbox"

    /// Where the engine announces that the team's days off changed (v16): each node
    /// re-reads them, so it plans with them from then on.
    static let holidayChannel = "relance_holidays"

    /// Inbox ids per notification (a payload is limited to 8 000 bytes).
    static let inboxIDsPerNotification = 400

    /// Past this many rows in one statement, listeners re-read the pending set instead
    /// (a NOTIFY payload is limited to 8 000 bytes).
    static let resyncThreshold = 200

    static let migrations: [Migration] = [
        Migration(name: "v1-reminders-inbox-outbox", statements: [
            """
            CREATE TABLE reminder (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                due_at TIMESTAMPTZ NOT NULL,
                fire_at TIMESTAMPTZ NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'fired', 'cancelled', 'skipped')),
                fired_at TIMESTAMPTZ,
                created_by TEXT NOT NULL,
                fired_by TEXT
            )
            """,
            // What the firing claim scans: pending rows by time, nothing else.
            "CREATE INDEX reminder_pending_fire_at ON reminder (fire_at, id) WHERE state = 'pending'",
            """
            CREATE TABLE inbox_item (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                reminder_id BIGINT NOT NULL UNIQUE REFERENCES reminder (id),
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                due_at TIMESTAMPTZ NOT NULL,
                fired_at TIMESTAMPTZ NOT NULL,
                late BOOLEAN NOT NULL,
                state TEXT NOT NULL DEFAULT 'unread' CHECK (state IN ('unread', 'read', 'done', 'dismissed', 'snoozed')),
                fired_by TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE outbox (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                inbox_item_id BIGINT NOT NULL REFERENCES inbox_item (id),
                channel TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ NOT NULL,
                UNIQUE (inbox_item_id, channel)
            )
            """,
            // The reminder feed, in the engine: one NOTIFY per statement that inserted or
            // updated reminders, whoever wrote them (a node, psql, a migration), delivered
            // at commit and in commit order to every listening node.
            """
            CREATE FUNCTION relance_announce_reminders() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                touched BIGINT;
                payload TEXT;
            BEGIN
                SELECT count(*) INTO touched FROM changed;
                IF touched = 0 THEN RETURN NULL; END IF;
                IF touched > \(resyncThreshold) THEN
                    payload := '{"resync":true}';
                ELSE
                    SELECT json_build_object(
                        'scheduled', coalesce(json_agg(json_build_array(id, extract(epoch FROM fire_at)))
                                              FILTER (WHERE state = 'pending'), '[]'),
                        'cancelled', coalesce(json_agg(id) FILTER (WHERE state <> 'pending'), '[]'))::text
                    INTO payload FROM changed;
                END IF;
                PERFORM pg_notify('\(reminderChannel)', payload);
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER reminder_inserted AFTER INSERT ON reminder REFERENCING NEW TABLE AS changed
                FOR EACH STATEMENT EXECUTE FUNCTION relance_announce_reminders()
            """,
            """
            CREATE TRIGGER reminder_updated AFTER UPDATE ON reminder REFERENCING NEW TABLE AS changed
                FOR EACH STATEMENT EXECUTE FUNCTION relance_announce_reminders()
            """,
        ]),
        Migration(name: "v2-inbox-announcements", statements: [
            """
            CREATE FUNCTION relance_announce_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                ids TEXT;
            BEGIN
                FOR ids IN
                    SELECT json_agg(id ORDER BY id)::text FROM
                        (SELECT id, (row_number() OVER (ORDER BY id) - 1) / \(inboxIDsPerNotification) AS chunk FROM added) AS numbered
                    GROUP BY chunk ORDER BY chunk
                LOOP
                    PERFORM pg_notify('\(inboxChannel)', ids);
                END LOOP;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER inbox_item_inserted AFTER INSERT ON inbox_item REFERENCING NEW TABLE AS added
                FOR EACH STATEMENT EXECUTE FUNCTION relance_announce_inbox()
            """,
        ]),
        // Delivery from every node (issue #16): a due job is claimed for a lease by the
        // node that sends it (`claimed_by`, `next_attempt_at` moved to the lease's end,
        // `claims` counted up as the claim's token); outcomes are recorded only under the
        // claim still held. An item closed before its jobs went out cancels them.
        Migration(name: "v3-delivery-claims", statements: [
            """
            ALTER TABLE outbox
                ADD COLUMN claimed_by TEXT,
                ADD COLUMN claims BIGINT NOT NULL DEFAULT 0,
                ADD COLUMN last_attempt_at TIMESTAMPTZ,
                ADD COLUMN last_error TEXT,
                ADD COLUMN receipt TEXT,
                ADD COLUMN sent_at TIMESTAMPTZ,
                ADD COLUMN sent_by TEXT
            """,
            "ALTER TABLE outbox DROP CONSTRAINT outbox_state_check",
            "ALTER TABLE outbox ADD CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sent', 'failed', 'cancelled'))",
            // What the claim scans: pending jobs by time.
            "CREATE INDEX outbox_pending_next_attempt ON outbox (next_attempt_at, id) WHERE state = 'pending'",
            // The team's Message-ID namespace: 64 random bits, as the personal store's.
            "CREATE TABLE relance_bookkeeping (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            INSERT INTO relance_bookkeeping (key, value)
            VALUES ('messageNamespace', substr(md5(random()::text || clock_timestamp()::text), 1, 16))
            """,
        ]),
        // Shared contacts and outreach (issue #16): a contact belongs to the team, with an
        // owner (the team user whose channels get its reminders); an outreach names who
        // sent it. A follow-up reminder points at its outreach, so a reply cancels it.
        // Handles, details and the follow-up sequence are their Codable JSON (TEXT): read
        // and written whole by the nodes, never queried by the engine.
        Migration(name: "v4-contacts-outreach", statements: [
            """
            CREATE TABLE contact (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name TEXT NOT NULL,
                emails TEXT[] NOT NULL DEFAULT '{}',
                handles TEXT NOT NULL DEFAULT '{}',
                organization TEXT,
                time_zone TEXT,
                why TEXT,
                tags TEXT[] NOT NULL DEFAULT '{}',
                notes TEXT,
                details TEXT NOT NULL DEFAULT '{}',
                owner TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                created_by TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE outreach (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                contact_id BIGINT NOT NULL REFERENCES contact (id),
                author TEXT NOT NULL,
                channel TEXT NOT NULL,
                ask TEXT NOT NULL,
                sent_at TIMESTAMPTZ NOT NULL,
                status TEXT NOT NULL DEFAULT 'awaiting_reply' CHECK (status IN
                    ('awaiting_reply', 'replied', 'declined', 'meeting_agreed', 'closed', 'no_reply', 'withdrawn')),
                policy TEXT NOT NULL,
                follow_ups_sent INTEGER NOT NULL DEFAULT 0,
                last_follow_up_at TIMESTAMPTZ,
                closed_at TIMESTAMPTZ,
                message_id TEXT
            )
            """,
            // What "already contacted by" and a contact's history read.
            "CREATE INDEX outreach_contact ON outreach (contact_id, status)",
            """
            ALTER TABLE reminder
                ADD COLUMN contact_id BIGINT REFERENCES contact (id),
                ADD COLUMN outreach_id BIGINT REFERENCES outreach (id),
                ADD COLUMN step INTEGER
            """,
            "CREATE INDEX reminder_outreach ON reminder (outreach_id) WHERE outreach_id IS NOT NULL",
        ]),
        // Per-user mail (issue #16: "delivery goes to the owner's channels only"): each team
        // user sets their own address through the socket, so every node knows it; a
        // reminder names its owner (NULL: made by no team user, team-wide as before); a mail
        // job carries the address it is for, fixed by the firing, so a later change of
        // address does not re-route a job already queued (it was meant for that address).
        Migration(name: "v5-user-mail", statements: [
            """
            CREATE TABLE team_user (
                name TEXT PRIMARY KEY,
                mail TEXT,
                updated_at TIMESTAMPTZ NOT NULL,
                updated_by TEXT NOT NULL
            )
            """,
            "ALTER TABLE reminder ADD COLUMN owner TEXT",
            "ALTER TABLE outbox ADD COLUMN recipient TEXT",
        ]),
        // Meetings (issue #16): the one who goes (`created_by`, a team user) alone moves or
        // cancels it; its reminders point at it, so a move re-plans them and a cancel
        // cancels them.
        Migration(name: "v6-meetings", statements: [
            """
            CREATE TABLE meeting (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                contact_id BIGINT NOT NULL REFERENCES contact (id),
                outreach_id BIGINT REFERENCES outreach (id),
                starts_at TIMESTAMPTZ NOT NULL,
                ends_at TIMESTAMPTZ NOT NULL CHECK (ends_at > starts_at),
                place TEXT NOT NULL,
                notes TEXT,
                created_by TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            // The duplicate check (same contact, same start) and the list of what is ahead.
            "CREATE INDEX meeting_contact_start ON meeting (contact_id, starts_at)",
            "CREATE INDEX meeting_ends_at ON meeting (ends_at)",
            "ALTER TABLE reminder ADD COLUMN meeting_id BIGINT REFERENCES meeting (id)",
            "CREATE INDEX reminder_meeting ON reminder (meeting_id) WHERE meeting_id IS NOT NULL",
        ]),
        // What re-planning reads (issue #16), as in the personal store: a follow-up step's
        // anchor (the send or last follow-up it counts from), and when a person moved a
        // reminder by hand (new rules leave it where they put it).
        Migration(name: "v7-reminder-anchors", statements: [
            "ALTER TABLE reminder ADD COLUMN anchor_at TIMESTAMPTZ, ADD COLUMN moved_at TIMESTAMPTZ",
        ]),
        // `relancectl migrate` (issue #16): what was copied from which personal store
        // (`source`: its random namespace, stable for the file), so a second run copies
        // only what is new. A contact linked to a team contact by e-mail is recorded too.
        Migration(name: "v8-migrated-rows", statements: [
            """
            CREATE TABLE migrated_row (
                source TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('contact', 'outreach', 'meeting', 'reminder')),
                source_id BIGINT NOT NULL,
                team_id BIGINT NOT NULL,
                migrated_by TEXT NOT NULL,
                migrated_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (source, kind, source_id)
            )
            """,
        ]),
        // Snoozing on a team node (issue #16), as in the personal store: a snoozed item
        // keeps when it comes back (`snoozed_until`); the reminder that brings it back
        // points at it (`resurfaces_inbox_id`), and its firing turns that same row unread
        // again rather than inserting an item. An outbox job names the firing it delivers
        // (`reminder_id`: the item's own reminder, or a comeback), so a comeback gets jobs
        // of its own (one per firing and channel, ever) and a Message-ID of its own.
        Migration(name: "v9-snooze", statements: [
            "ALTER TABLE inbox_item ADD COLUMN snoozed_until TIMESTAMPTZ",
            "ALTER TABLE reminder ADD COLUMN resurfaces_inbox_id BIGINT REFERENCES inbox_item (id)",
            "CREATE INDEX reminder_resurfaces ON reminder (resurfaces_inbox_id) WHERE resurfaces_inbox_id IS NOT NULL",
            "ALTER TABLE outbox ADD COLUMN reminder_id BIGINT REFERENCES reminder (id)",
            "UPDATE outbox SET reminder_id = i.reminder_id FROM inbox_item i WHERE i.id = outbox.inbox_item_id",
            "ALTER TABLE outbox ALTER COLUMN reminder_id SET NOT NULL",
            "ALTER TABLE outbox DROP CONSTRAINT outbox_inbox_item_id_channel_key",
            "ALTER TABLE outbox ADD CONSTRAINT outbox_reminder_channel_key UNIQUE (reminder_id, channel)",
            // What closing an item and a node's receipt lookups read (the old key served them).
            "CREATE INDEX outbox_inbox_item ON outbox (inbox_item_id)",
            // An item that comes back is news for every node's `Watch` and delivery, as a
            // new one is (v2): announced on the same channel, by the engine, at commit.
            """
            CREATE FUNCTION relance_announce_resurfaced() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                ids TEXT;
            BEGIN
                FOR ids IN
                    SELECT json_agg(id ORDER BY id)::text FROM
                        (SELECT n.id, (row_number() OVER (ORDER BY n.id) - 1) / \(inboxIDsPerNotification) AS chunk
                         FROM new_rows n JOIN old_rows o ON o.id = n.id
                         WHERE n.state = 'unread' AND o.state <> 'unread') AS numbered
                    GROUP BY chunk ORDER BY chunk
                LOOP
                    PERFORM pg_notify('\(inboxChannel)', ids);
                END LOOP;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER inbox_item_resurfaced AFTER UPDATE ON inbox_item
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION relance_announce_resurfaced()
            """,
        ]),
        // Per-user zone and window (issue #16: "users, each with their own … zone,
        // window"): set by the user through the socket, so every node reads their times and
        // plans their reminders by them; NULL: the node's (`[user] time_zone`, `[window]`).
        // The zone is an IANA name, the window a `UserWindow` as JSON, each checked by the
        // node that stores it.
        Migration(name: "v10-user-zone-window", statements: [
            "ALTER TABLE team_user ADD COLUMN time_zone TEXT, ADD COLUMN delivery_window TEXT",
        ]),
        // Networking events on a team node (issue #16), as in the personal store: the
        // wall-clock start in its IANA zone (a 19:00 event stays at 19:00 across DST), the
        // recurrence and the leads as JSON (RelanceCore's Codable forms), and who goes
        // (`created_by`: the owner of its reminders). An event reminder names its event,
        // the occurrence it is for (`anchor_at`, v7) and its lead (`lead_offset`), so the
        // next occurrences are materialised once and a reload re-plans them.
        Migration(name: "v11-events", statements: [
            """
            CREATE TABLE event (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                uid TEXT NOT NULL,
                occurrence_id TEXT,
                title TEXT NOT NULL,
                start_local TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                duration_seconds DOUBLE PRECISION NOT NULL CHECK (duration_seconds > 0),
                place TEXT,
                url TEXT,
                details TEXT,
                rsvp_by TIMESTAMPTZ,
                recurrence TEXT,
                reminders TEXT NOT NULL,
                all_day BOOLEAN NOT NULL DEFAULT false,
                sequence INTEGER NOT NULL DEFAULT 0,
                revised_at TIMESTAMPTZ,
                created_by TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                UNIQUE NULLS NOT DISTINCT (uid, occurrence_id)
            )
            """,
            "ALTER TABLE reminder ADD COLUMN event_id BIGINT REFERENCES event (id), ADD COLUMN lead_offset TEXT",
            "CREATE INDEX reminder_event ON reminder (event_id, anchor_at) WHERE event_id IS NOT NULL",
        ]),
        // Keep-in-touch cadences: a contact's cadence (`Wait` as written: P90D, 20bd),
        // and the interactions its reminder counts from (the personal store's table; who
        // in the team was in touch is kept with each).
        Migration(name: "v12-keep-in-touch", statements: [
            "ALTER TABLE contact ADD COLUMN keep_in_touch TEXT",
            """
            CREATE TABLE interaction (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                contact_id BIGINT NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
                outreach_id BIGINT,
                kind TEXT NOT NULL,
                at TIMESTAMPTZ NOT NULL,
                note TEXT,
                by_user TEXT
            )
            """,
            "CREATE INDEX interaction_contact_at ON interaction (contact_id, at)",
        ]),
        // The series a calendar import cancelled (issue #12), as the personal store's
        // `cancelledEvent`: UID -> the version that cancelled it, so an older copy imported
        // later does not bring it back. And `migrate` copies
        // events: recorded as copied like the other rows.
        Migration(name: "v13-cancelled-events", statements: [
            "ALTER TABLE migrated_row DROP CONSTRAINT migrated_row_kind_check",
            "ALTER TABLE migrated_row ADD CONSTRAINT migrated_row_kind_check CHECK (kind IN ('contact', 'outreach', 'meeting', 'reminder', 'event'))",
            """
            CREATE TABLE cancelled_event (
                uid TEXT PRIMARY KEY,
                sequence INTEGER NOT NULL,
                revised_at TIMESTAMPTZ,
                cancelled_at TIMESTAMPTZ NOT NULL
            )
            """,
        ]),
        // The daily digest per team user (issue #16): one row per user and local day
        // (`day`: yyyymmdd in their zone), claimed by the node that sends it as an outbox
        // job is (`claimed_by`, `next_attempt_at` moved to the lease's end, `claims` the
        // claim's token), so it goes out once across nodes, and again only if its sender
        // died before recording it (at least once). `items`: how many it listed (0: none
        // to send, nothing mailed). A mail job the digest delivered is marked so
        // (`outbox.digest`), as the personal store's `delivery.digest`.
        Migration(name: "v14-team-digest", statements: [
            """
            CREATE TABLE digest (
                user_name TEXT NOT NULL REFERENCES team_user (name),
                day INTEGER NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
                claimed_by TEXT,
                claims BIGINT NOT NULL DEFAULT 1,
                next_attempt_at TIMESTAMPTZ NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                items INTEGER,
                receipt TEXT,
                sent_at TIMESTAMPTZ,
                sent_by TEXT,
                PRIMARY KEY (user_name, day)
            )
            """,
            "ALTER TABLE outbox ADD COLUMN digest BOOLEAN NOT NULL DEFAULT false",
        ]),
        // Each user's own screen (issue #16): the nodes whose desktop shows a team user's
        // reminders, one row per node, written by the node at start. A reminder someone
        // owns gets a desktop job only while some node shows that user's screen; the job
        // names the user (`recipient`) and only such a node claims it.
        Migration(name: "v15-desktop-screens", statements: [
            """
            CREATE TABLE desktop_screen (
                node TEXT PRIMARY KEY,
                user_name TEXT NOT NULL,
                registered_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX desktop_screen_user ON desktop_screen (user_name)",
        ]),
        // The team's days off from holiday calendars (`import --holidays`, issue #16), as
        // the personal store's `holiday`: every node plans with them (and its own
        // `[calendar] holidays`); a change is announced on `holidayChannel` by the engine.
        Migration(name: "v16-holidays", statements: [
            """
            CREATE TABLE holiday (
                day TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                source TEXT NOT NULL,
                imported_by TEXT,
                imported_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE FUNCTION relance_announce_holidays() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('\(holidayChannel)', '');
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER holiday_changed AFTER INSERT OR DELETE ON holiday
                FOR EACH STATEMENT EXECUTE FUNCTION relance_announce_holidays()
            """,
        ]),
        // Mail read by a team node (`Ingest`, a watched Maildir), as the personal store's
        // `bouncingAddress` and `meetingOffer`: an address a delivery report said failed
        // (cleared by a reply from it), and a meeting a reply offered, announced by its
        // inbox reminder and accepted at most once. A read message is known by the
        // interaction noted "mail <Message-ID>", as on the personal store.
        Migration(name: "v17-mail", statements: [
            """
            CREATE TABLE bouncing_address (
                contact_id BIGINT NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
                address TEXT NOT NULL,
                reason TEXT,
                since TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (contact_id, address)
            )
            """,
            """
            CREATE TABLE meeting_offer (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                reminder_id BIGINT NOT NULL UNIQUE REFERENCES reminder (id) ON DELETE CASCADE,
                contact_id BIGINT NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
                outreach_id BIGINT,
                starts_at TIMESTAMPTZ NOT NULL,
                ends_at TIMESTAMPTZ NOT NULL,
                place TEXT NOT NULL,
                uid TEXT,
                summary TEXT,
                accepted_meeting_id BIGINT
            )
            """,
            "CREATE INDEX interaction_note ON interaction (note) WHERE note IS NOT NULL",
        ]),
        // Followed vdir folders on team nodes (`[sync]`, issue #16): what each node
        // remembers of each file it read, as the personal store's `syncFile`. A folder is on
        // one node's disk, so a file is known by (node, path); its items say which events
        // (UID) and contacts it brought, so deleting it takes back its events.
        Migration(name: "v18-vdir-sync", statements: [
            """
            CREATE TABLE sync_file (
                node TEXT NOT NULL,
                path TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('calendar', 'contacts')),
                stamp TEXT NOT NULL,
                PRIMARY KEY (node, path)
            )
            """,
            """
            CREATE TABLE sync_file_item (
                node TEXT NOT NULL,
                path TEXT NOT NULL,
                uid TEXT NOT NULL,
                contact_id BIGINT REFERENCES contact (id) ON DELETE SET NULL,
                FOREIGN KEY (node, path) REFERENCES sync_file (node, path) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX sync_file_item_file ON sync_file_item (node, path)",
            "CREATE INDEX sync_file_item_uid ON sync_file_item (uid)",
        ]),
        // How far each node read each IMAP folder it watches (`[mail_watch] imap_url`),
        // as the personal store's `imapFolder`: a node reads its own account, so by node.
        Migration(name: "v19-imap-marks", statements: [
            """
            CREATE TABLE imap_folder (
                node TEXT NOT NULL,
                account TEXT NOT NULL,
                folder TEXT NOT NULL,
                uid_validity BIGINT NOT NULL,
                last_uid BIGINT NOT NULL,
                watched_since TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (node, account, folder)
            )
            """,
        ]),
    ]
}
