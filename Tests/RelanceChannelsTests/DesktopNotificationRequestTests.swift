import RelanceChannels
import Testing

@Suite("DesktopNotificationRequest: what goes into Notify")
struct DesktopNotificationRequestTests {
    @Test func followUpIsNormalWithTheThreeActions() {
        let request = DesktopNotificationRequest(notification: sampleNotification(kind: "follow_up"),
                                                 serverCapabilities: ["actions", "body"])
        #expect(request.appName == "Relance")
        #expect(request.replacesID == 0)
        #expect(request.appIcon == "")
        #expect(request.summary == "Suivi — Ada Lovelace")
        #expect(request.actions == ["done", "Done", "snooze", "Snooze 1 day", "open", "Open"])
        #expect(request.urgency == .normal)
        #expect(request.category == "x-relance.follow_up")
        #expect(request.desktopEntry == "relance")
        #expect(request.expireTimeout == -1)
    }

    @Test func noActionsWhenTheServerCannotShowThem() {
        let request = DesktopNotificationRequest(notification: sampleNotification(), serverCapabilities: ["body"])
        #expect(request.actions.isEmpty)
    }

    @Test(arguments: [
        ("meeting_leave", DesktopNotificationRequest.Urgency.critical), ("event_soon", .critical),
        ("follow_up", .normal), ("custom", .normal), ("meeting_prep", .normal), ("event_rsvp", .normal),
        ("event_day_before", .normal), ("test", .normal), ("thank_you", .low), ("keep_in_touch", .low),
        ("event_log_people", .low), ("something_new", .normal),
    ])
    func urgencyFollowsHowPressingTheKindIs(kind: String, urgency: DesktopNotificationRequest.Urgency) {
        #expect(DesktopNotificationRequest.urgency(forKind: kind) == urgency)
    }

    @Test func everyKnownKindHasACategory() {
        for kind in ReminderNotification.knownKinds {
            let request = DesktopNotificationRequest(notification: sampleNotification(kind: kind), serverCapabilities: [])
            #expect(request.category == "x-relance.\(kind)")
        }
    }

    @Test func bodyIsEscapedOnlyForMarkupServers() {
        let n = sampleNotification(body: "Ada <ada@example.com> & co")
        #expect(DesktopNotificationRequest(notification: n, serverCapabilities: ["body"]).body == "Ada <ada@example.com> & co")
        #expect(DesktopNotificationRequest(notification: n, serverCapabilities: ["body", "body-markup"]).body
            == "Ada &lt;ada@example.com&gt; &amp; co")
    }
}
