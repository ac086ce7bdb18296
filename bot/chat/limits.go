package chat

import "fmt"

// MaxTextBytes bounds the text of one command. No command needs more: the
// platforms send a few KB at most for what a person types into a command
// (Discord caps a message at 2,000 characters and an option at 6,000, a
// Slack form field at 3,000), so longer text is refused before anything
// parses it.
const MaxTextBytes = 8 << 10

// TextTooLong is the answer to a command whose text is over MaxTextBytes,
// or nil when text is within it. Adapters call it on the text as it arrives,
// before they parse or rewrite it; Router.Handle calls it again before it
// parses, for callers that skip the adapters.
func TextTooLong(text string) *Response {
	if len(text) <= MaxTextBytes {
		return nil
	}
	return &Response{
		Title:     "That command is too long",
		Text:      fmt.Sprintf("That command is %d bytes long; callboard reads commands of up to %d bytes. Ask again with a shorter command (`help` lists them).", len(text), MaxTextBytes),
		Status:    StatusUsage,
		Ephemeral: true,
	}
}
