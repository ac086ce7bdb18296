package discord

// Discord's limits (platforms.md; Discord's "Embed Limits", "Message
// Components" and "Application Commands" documentation). Lengths are counted
// in Unicode code points, as Discord counts them.
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxEmbedTotal    = 6000
	maxTitle         = 256
	maxDescription   = 4096
	maxFields        = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxRows          = 5
	maxButtonsPerRow = 5
	maxLabel         = 80
	maxCustomID      = 100
	maxChoices       = 25
	maxChoiceName    = 100
	maxChoiceValue   = 100
	maxModalInputs   = 5
	maxModalTitle    = 45
	maxInputLabel    = 45
	maxPlaceholder   = 100

	maxCommandName        = 32
	maxCommandDescription = 100
	maxCommandOptions     = 25
	maxCommandChars       = 4000
)
