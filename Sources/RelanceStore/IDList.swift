extension Sequence where Element == Int64 {
    /// `[1,2,3]`: ids bound as one parameter and read with `IN (SELECT value FROM
    /// json_each(?))`, one statement whatever the count.
    var json: String { "[" + map(String.init).joined(separator: ",") + "]" }
}
