package docs

import "testing"

func TestStemMatchesPorter2Vocabulary(t *testing.T) {
	cases := map[string]string{
		"consign": "consign", "consigned": "consign", "consigning": "consign", "consignment": "consign",
		"consist": "consist", "consisted": "consist", "consistency": "consist", "consistent": "consist",
		"consistently": "consist", "consisting": "consist", "consists": "consist", "consolation": "consol",
		"consolations": "consol", "consolatory": "consolatori", "console": "consol", "consoled": "consol",
		"consoles": "consol", "consolidate": "consolid", "consolidated": "consolid", "consolidating": "consolid",
		"consoling": "consol", "consolingly": "consol", "consols": "consol", "consonant": "conson",
		"knack": "knack", "knackeries": "knackeri", "knacks": "knack", "knag": "knag", "knave": "knave",
		"knaves": "knave", "knavish": "knavish", "kneaded": "knead", "kneading": "knead", "knee": "knee",
		"kneel": "kneel", "kneeled": "kneel", "kneeling": "kneel", "kneels": "kneel", "knees": "knee",
		"knell": "knell", "knelt": "knelt", "knew": "knew", "knick": "knick", "knif": "knif", "knife": "knife",
		"generate": "generat", "generously": "generous", "communication": "communic", "cries": "cri",
		"ties": "tie", "gas": "gas", "gaps": "gap", "kiwis": "kiwi", "skies": "sky", "proceed": "proceed",
		"deploying": "deploy", "deployment": "deploy", "pages": "page", "configuration": "configur",
		"configure": "configur", "configuring": "configur", "themes": "theme", "theme": "theme",
		"installation": "instal", "installing": "instal", "hopping": "hop", "hoped": "hope", "luxuriate": "luxuri",
		"hopeful": "hope", "controll": "control", "rolling": "roll", "caresses": "caress", "cry": "cri", "by": "by",
		"say": "say", "sayings": "say", "youth": "youth", "yelling": "yell", "plugins": "plugin",
	}
	for in, want := range cases {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}
