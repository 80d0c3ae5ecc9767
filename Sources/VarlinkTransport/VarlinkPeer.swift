/// Who is on the other end of the connection a call came on: its uid, read with
/// SO_PEERCRED when the connection was accepted (nil when it could not be read). Set for
/// the whole task that answers the connection's calls; read it there, before handing
/// work to another thread.
public enum VarlinkPeer {
    @TaskLocal public static var uid: UInt32?
}
