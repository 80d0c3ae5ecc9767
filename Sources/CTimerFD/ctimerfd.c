// The header does the work (static inline wrappers); SwiftPM wants one source file.
