// Filled by the channels work.
