package discord

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestBuiltInCommandsPassDiscordsRules(t *testing.T) {
	cmds := Commands()
	if err := ValidateCommands(cmds); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "callboard owner impact docs scaffold" {
		t.Fatalf("commands %q", got)
	}
}

func TestValidateCommandsNamesEveryProblem(t *testing.T) {
	str := discordgo.ApplicationCommandOptionString
	many := make([]*discordgo.ApplicationCommandOption, 26)
	for i := range many {
		many[i] = &discordgo.ApplicationCommandOption{Type: str, Name: "o" + strings.Repeat("x", i), Description: "d"}
	}
	long := make([]*discordgo.ApplicationCommandOption, 25)
	for i := range long {
		long[i] = &discordgo.ApplicationCommandOption{Type: str, Name: "o" + strings.Repeat("y", i), Description: strings.Repeat("d", 100),
			Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: strings.Repeat("c", 100), Value: "v"}}}
	}
	tests := []struct {
		name string
		cmd  *discordgo.ApplicationCommand
		want string
	}{
		{"upper case name", &discordgo.ApplicationCommand{Name: "Owner", Description: "d"}, "must be lower case"},
		{"name too long", &discordgo.ApplicationCommand{Name: strings.Repeat("a", 33), Description: "d"}, "1–32"},
		{"space in name", &discordgo.ApplicationCommand{Name: "who owns", Description: "d"}, "letters, digits"},
		{"empty description", &discordgo.ApplicationCommand{Name: "owner"}, "description is 0 characters"},
		{"description too long", &discordgo.ApplicationCommand{Name: "owner", Description: strings.Repeat("d", 101)}, "description is 101 characters"},
		{"too many options", &discordgo.ApplicationCommand{Name: "owner", Description: "d", Options: many}, "26 options, at most 25"},
		{"over 4000 characters", &discordgo.ApplicationCommand{Name: "owner", Description: "d", Options: long}, "over 4000"},
		{"bad option name", &discordgo.ApplicationCommand{Name: "owner", Description: "d",
			Options: []*discordgo.ApplicationCommandOption{{Type: str, Name: "Entity", Description: "d"}}}, `option "Entity": name "Entity" must be lower case`},
		{"non-ASCII letters are allowed", &discordgo.ApplicationCommand{Name: "propriétaire", Description: "d"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCommands([]*discordgo.ApplicationCommand{tt.cmd})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "command 1 (/"+tt.cmd.Name+")") {
				t.Fatalf("error %v does not say which command", err)
			}
		})
	}
	t.Run("a name used twice", func(t *testing.T) {
		c := &discordgo.ApplicationCommand{Name: "owner", Description: "d"}
		if err := ValidateCommands([]*discordgo.ApplicationCommand{c, c}); err == nil || !strings.Contains(err.Error(), "used twice") {
			t.Fatalf("error %v", err)
		}
	})
}
