import Foundation
import RelanceCore
import Testing

@Suite struct IMAPFolderPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func listed(_ pairs: [(UInt32, TimeInterval)]) -> [IMAPListedMessage] {
        pairs.map { IMAPListedMessage(uid: $0.0, receivedAt: Date(timeIntervalSince1970: $0.1)) }
    }

    @Test func aFolderSeenForTheFirstTimeIsReadFromNowOn() {
        // Given a folder never watched, whose next message will be UID 42
        let mailbox = IMAPMailbox(uidValidity: 7, uidNext: 42, messageCount: 30)
        // When it is planned
        let plan = IMAPFolderPlan.plan(stored: nil, mailbox: mailbox, now: now)
        // Then its 41 UIDs so far count as read, and the watch starts now
        #expect(plan == .startFresh(IMAPFolderMark(uidValidity: 7, lastUID: 41, watchedSince: now)))
    }

    @Test func theSameNumberingIsReadAfterTheLastUIDRead() {
        let mark = IMAPFolderMark(uidValidity: 7, lastUID: 41, watchedSince: now.addingTimeInterval(-86_400))
        let plan = IMAPFolderPlan.plan(stored: mark, mailbox: IMAPMailbox(uidValidity: 7, uidNext: 45, messageCount: 33), now: now)
        #expect(plan == .readAfter(41))
    }

    @Test func aRenumberedFolderIsReadAgainSinceTheWatchBeganWithAMargin() {
        // Given a folder watched since a day ago, now with another UIDVALIDITY
        let since = now.addingTimeInterval(-86_400)
        let mark = IMAPFolderMark(uidValidity: 7, lastUID: 41, watchedSince: since)
        // When it is planned
        let plan = IMAPFolderPlan.plan(stored: mark, mailbox: IMAPMailbox(uidValidity: 8, uidNext: 5, messageCount: 4), now: now)
        // Then every message since the watch began (less the margin) is read again, under the new numbering
        #expect(plan == .reread(since: since.addingTimeInterval(-IMAPFolderPlan.rereadMargin),
                                mark: IMAPFolderMark(uidValidity: 8, lastUID: 0, watchedSince: since)))
    }

    @Test func theLastMessageListedBelowTheMarkIsNotReadAgain() {
        // `UID FETCH 42:*` lists the last message even when its UID is 41
        let found = IMAPFolderPlan.newMessages(listed([(41, 0)]), after: 41)
        #expect(found.isEmpty)
        let more = IMAPFolderPlan.newMessages(listed([(44, 0), (41, 0), (42, 0)]), after: 41)
        #expect(more.map(\.uid) == [42, 44])
    }

    @Test func aRereadStartsJustBelowTheFirstRecentMessageAndSkipsHistory() {
        let since = Date(timeIntervalSince1970: 1000)
        let (read, start) = IMAPFolderPlan.rereadStart(listed([(1, 10), (2, 900), (3, 1000), (4, 2000)]), since: since)
        #expect(read.map(\.uid) == [3, 4])
        #expect(start == 2)
        let (none, last) = IMAPFolderPlan.rereadStart(listed([(1, 10), (9, 20)]), since: since)
        #expect(none.isEmpty)
        #expect(last == 9)
    }
}

@Suite struct IMAPBackoffTests {
    @Test func theDelayDoublesFromOneSecondToFiveMinutesAndResetsAfterASession() {
        var backoff = IMAPBackoff()
        let delays = (0..<12).map { _ in backoff.fail().components.seconds }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        backoff.succeed()
        #expect(backoff.fail() == .seconds(1))
    }

    @Test func aThousandFailuresStayAtTheCap() {
        var backoff = IMAPBackoff()
        for _ in 0..<1000 { _ = backoff.fail() }
        #expect(backoff.fail() == IMAPBackoff.cap)
    }
}

@Suite struct IMAPFetchScopeTests {
    func headers(_ text: String) -> MailHeaders { MailHeaders(parsing: text + "\r\n\r\n") }

    @Test func aPlainReplyIsReadFromItsHeadersAlone() {
        #expect(!IMAPFetchScope.needsBody(headers("From: ada@example.com\r\nSubject: Re: coffee\r\nContent-Type: text/plain"), sent: false))
    }

    @Test func whatTheMeaningRulesReadInTheTextIsFetched() {
        // An out-of-office (its return date), a bounce (its report), an invitation (its calendar part)
        #expect(IMAPFetchScope.needsBody(headers("From: ada@example.com\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied"), sent: false))
        #expect(IMAPFetchScope.needsBody(headers("From: MAILER-DAEMON@example.com\r\nSubject: Undelivered"), sent: false))
        #expect(IMAPFetchScope.needsBody(headers("From: ada@example.com\r\nContent-Type: multipart/mixed; boundary=x"), sent: false))
        #expect(IMAPFetchScope.needsBody(headers("From: ada@example.com\r\nContent-Type: text/calendar; method=REQUEST"), sent: false))
    }

    @Test func aMessageYouSentIsReadFromItsHeadersAlone() {
        #expect(!IMAPFetchScope.needsBody(headers("From: me@example.com\r\nContent-Type: multipart/mixed; boundary=x"), sent: true))
    }
}
