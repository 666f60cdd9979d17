package notify

import "github.com/feedhound/feedhound/notify/destination"

// The alerts and destinations of package destination, where each kind of
// destination is.
type (
	Destination = destination.Destination
	Message     = destination.Message
	Entry       = destination.Entry
	Copy        = destination.Copy
	MatchedText = destination.MatchedText
	Outcome     = destination.Outcome
)

// Send delivers a message once, by its destination's kind.
var Send = destination.Send

// Redact hides everything of a URL but its scheme and host.
var Redact = destination.Redact
