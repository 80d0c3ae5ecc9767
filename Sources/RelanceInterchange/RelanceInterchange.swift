// Filled by the interchange work.
