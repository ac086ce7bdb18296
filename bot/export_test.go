package bot

// CountOf is countOf for the external tests.
var CountOf = countOf
