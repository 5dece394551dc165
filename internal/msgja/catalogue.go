package msgja

// catalogue maps the English format of each message to its Japanese
// format. In the Japanese, a verb takes the next value, or the n-th with
// an index (%[2]s) when the word order differs; every value of the English
// is used exactly once (TestCatalogueVerbs).
var catalogue = merge(verifyJa, xmlsigJa, padesJa, trustJa, revocationJa, cmsJa, tsaJa, hcroleJa, signJa, extendJa, certinfoJa, cliJa, cmdJa, archiveJa, authJa, serveJa, keysJa, composedJa, stdlibJa, wordsJa)

// merge joins the catalogues of the packages.
func merge(parts ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range parts {
		for en, ja := range p {
			out[en] = ja
		}
	}
	return out
}

// composedJa hold messages the source builds from a format and a part
// appended to it (msg += " (" + list + ")"), where the parts alone would
// be split in the wrong place: each begins with a format of the source
// (TestComposedEntries).
var composedJa = map[string]string{
	`%s proves the status of %q at %s (%s)`:     `%[2]q の %[3]s 時点の失効状態: %[1]s（%[4]s）`,
	`a symbolic link to %s, not a regular file`: `%sへのシンボリックリンクで、通常のファイルではありません`,
	`TSA answered %s (%s)`:                      `TSA の応答は %s（%s）でした`,
}
