package msgja

// catalogue maps the English format of each message to its Japanese
// format. In the Japanese, a verb takes the next value, or the n-th with
// an index (%[2]s) when the word order differs; every value of the English
// is used exactly once (TestCatalogueVerbs).
var catalogue = merge(verifyJa, xmlsigJa, padesJa, trustJa, revocationJa, cmsJa, tsaJa, hcroleJa, signJa, extendJa, certinfoJa, stdlibJa, wordsJa)

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
