package verify

import (
	"fmt"
	"io"
	"strings"

	"github.com/hpki-jp/hpki/internal/textsafe"
)

// esc makes a string from the signature, its certificates or the document
// safe to print (see internal/textsafe): every value that is not one of
// the fixed texts above goes through it.
func esc(s string) string { return textsafe.String(s) }

// reasons explain each sub-indication to a person, in English and Japanese.
var reasons = map[string]map[SubIndication]string{
	"en": {
		FormatFailure:             "the signature is malformed or uses a construct that is refused",
		HashFailure:               "the document was changed after it was signed, or it is not the signed file",
		SigCryptoFailure:          "the signature value does not match the signer's key",
		Revoked:                   "the signer's certificate was revoked before the signature was made",
		Expired:                   "the signer's certificate had expired",
		NotYetValid:               "the signer's certificate was not yet valid",
		NoCertificateChainFound:   "the signer's certificate does not lead to a trusted HPKI root",
		RevokedNoPOE:              "the signer's certificate is revoked and nothing proves the signature was made before",
		RevokedCANoPOE:            "a CA certificate on the path is revoked",
		OutOfBoundsNoPOE:          "a certificate is expired or not yet valid and no timestamp proves the signature existed in time",
		OutOfBoundsNotRevoked:     "a certificate is out of its validity period",
		NoPOE:                     "nothing proves when the signature existed",
		TryLater:                  "the revocation status of the signer's certificate could not be established",
		SignedDataNotFound:        "the signed file was not given",
		NoSigningCertificateFound: "the signer's certificate is missing or does not match the signature",
		ChainConstraintsFailure:   "a certificate on the path breaks a constraint (key usage, EKU, policy)",
		CryptoConstraintsFailure:  "the algorithms or key sizes are too weak",
		TimestampOrderFailure:     "the timestamps are out of order",
		SigConstraintsFailure:     "the signer lacks the required HPKI role or the signature breaks the policy",
		CertificateChainGeneral:   "the certificate path could not be validated",
		SignaturePolicyNotAvail:   "the signature policy the signer named is not available",
	},
	"ja": {
		FormatFailure:             "署名の形式が不正か、受け付けない構造を含んでいます",
		HashFailure:               "署名後に文書が変更されたか、署名された文書ではありません",
		SigCryptoFailure:          "署名値が署名者の鍵と一致しません",
		Revoked:                   "署名者の証明書は署名より前に失効しています",
		Expired:                   "署名者の証明書は有効期限切れでした",
		NotYetValid:               "署名者の証明書はまだ有効期間前でした",
		NoCertificateChainFound:   "署名者の証明書から信頼できる HPKI ルートへたどれません",
		RevokedNoPOE:              "署名者の証明書は失効しており、署名が失効前に行われたことを示す証拠がありません",
		RevokedCANoPOE:            "証明書パス上の CA 証明書が失効しています",
		OutOfBoundsNoPOE:          "証明書が有効期間外で、有効期間内に署名が存在したことを示すタイムスタンプがありません",
		OutOfBoundsNotRevoked:     "証明書が有効期間外です",
		NoPOE:                     "署名の存在時刻を示す証拠がありません",
		TryLater:                  "署名者の証明書の失効状態を確認できませんでした",
		SignedDataNotFound:        "署名対象のファイルが指定されていません",
		NoSigningCertificateFound: "署名者の証明書がないか、署名と一致しません",
		ChainConstraintsFailure:   "証明書パスが制約（鍵用途・拡張鍵用途・ポリシー）に違反しています",
		CryptoConstraintsFailure:  "アルゴリズムまたは鍵長が弱すぎます",
		TimestampOrderFailure:     "タイムスタンプの順序が不正です",
		SigConstraintsFailure:     "署名者に必要な HPKI 資格がないか、署名がポリシーに違反しています",
		CertificateChainGeneral:   "証明書パスを検証できませんでした",
		SignaturePolicyNotAvail:   "署名者が指定した署名ポリシーを入手できません",
	},
}

// messages holds the report texts in English and Japanese.
var messages = map[string]map[string]string{
	"en": {
		"TOTAL_PASSED":     "VALID — the signature is intact and the signer is trusted",
		"TOTAL_FAILED":     "INVALID — do not rely on this document",
		"INDETERMINATE":    "NOT CONFIRMED — the signature could not be confirmed",
		"signature":        "Signature",
		"signer":           "Signed by",
		"role":             "As",
		"norole":           "(no HPKI role)",
		"hpki":             "Certificate",
		"when":             "When",
		"proven":           "%s (proven by a timestamp from %s)",
		"claimed":          "%s (claimed by the signer, not proven)",
		"unknown":          "unknown (no signing time, no timestamp)",
		"covers":           "Covers",
		"level":            "Level",
		"policy":           "Policy",
		"error":            "Error",
		"reason":           "Reason",
		"warning":          "Warning",
		"tsfailed":         "timestamp from %s at %s: %s",
		"signing":          "HPKI signing certificate (署名用)",
		"authentication":   "HPKI authentication certificate (認証用) — not meant for signing",
		"none":             "not an HPKI certificate",
		"validation":       "Validated at",
		"revocation":       "Revocation",
		"rev:good":         "not revoked at the signing time",
		"rev:good:vt":      "not revoked at the validation time (no timestamp proves a signing time)",
		"revokedafter:vt":  "on %s, after the validation time",
		"revokedbefore:vt": "on %s, BEFORE the validation time",
		"rev:revoked":      "revoked",
		"rev:not checked":  "not checked",
		"origin:embedded":  "embedded in the signature",
		"origin:given":     "given",
		"origin:fetched":   "fetched",
		"revokedafter":     "on %s, after the signing time",
		"revokedbefore":    "on %s, BEFORE the signing time",
		"archive":          "Archived",
		"archived":         "%s (archive timestamp from %s)",
		"renewby":          "Renew (hpki extend --to LTA) before",
	},
	"ja": {
		"TOTAL_PASSED":     "有効 — 署名は改ざんされておらず、署名者は信頼できます",
		"TOTAL_FAILED":     "無効 — この文書を信頼しないでください",
		"INDETERMINATE":    "未確定 — 署名を確認できませんでした",
		"signature":        "署名",
		"signer":           "署名者",
		"role":             "資格",
		"norole":           "（HPKI 資格なし）",
		"hpki":             "証明書",
		"when":             "署名時刻",
		"proven":           "%s（%s のタイムスタンプにより証明）",
		"claimed":          "%s（署名者の申告。証明されていません）",
		"unknown":          "不明（署名時刻・タイムスタンプなし）",
		"covers":           "対象",
		"level":            "レベル",
		"policy":           "ポリシー",
		"error":            "エラー",
		"reason":           "理由",
		"warning":          "警告",
		"tsfailed":         "%s のタイムスタンプ（%s）: %s",
		"signing":          "HPKI 署名用証明書",
		"authentication":   "HPKI 認証用証明書（署名用ではありません）",
		"none":             "HPKI 証明書ではありません",
		"validation":       "検証時刻",
		"revocation":       "失効確認",
		"rev:good":         "署名時点で失効していません",
		"rev:good:vt":      "検証時点で失効していません（署名時刻を証明するタイムスタンプなし）",
		"revokedafter:vt":  "%s（検証時刻より後）",
		"revokedbefore:vt": "%s（検証時刻より前）",
		"rev:revoked":      "失効",
		"rev:not checked":  "未確認",
		"origin:embedded":  "署名に格納",
		"origin:given":     "指定",
		"origin:fetched":   "取得",
		"revokedafter":     "%s（署名時刻より後）",
		"revokedbefore":    "%s（署名時刻より前）",
		"archive":          "アーカイブ",
		"archived":         "%s（%s のアーカイブタイムスタンプ）",
		"renewby":          "更新期限（hpki extend --to LTA）",
	},
}

// TextTimeLayout is how text reports show times: in the local time zone
// (the TZ environment variable, else the system's) with the zone's name,
// e.g. 2026-11-23 16:39:05 JST. JSON reports keep UTC RFC 3339.
const TextTimeLayout = "2006-01-02 15:04:05 MST"

// WriteText writes the report for a person: a one-line verdict, then who
// signed each signature, in which HPKI role, when (proven or only claimed),
// and what it covers. lang is "en" or "ja"; in Japanese the errors and
// warnings are translated too (internal/msgja), while the Report itself
// and its JSON keep the English messages programs match on.
//
// Security contract: every string that comes from the input (names,
// roles, Ids, covered references, messages that quote the input) is
// escaped with internal/textsafe, so the text holds one line per item and
// no terminal control or bidi sequence: a certificate name cannot redraw
// the verdict line or forge another line. Translation happens before the
// escaping and copies the values it finds in a message verbatim.
func (r *Report) WriteText(w io.Writer, lang string) error {
	m, ok := messages[lang]
	if !ok {
		m = messages["en"]
	}
	var b strings.Builder
	verdict := m[string(r.Indication)]
	if r.SubIndication != "" {
		verdict += " [" + string(r.Indication) + "/" + string(r.SubIndication) + "]"
	} else {
		verdict += " [" + string(r.Indication) + "]"
	}
	b.WriteString(verdict + "\n")
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  %s: %s\n", m["error"], esc(localizeMessage(lang, e)))
	}
	for _, s := range r.Signatures {
		s.writeText(&b, m, lang)
	}
	fmt.Fprintf(&b, "%s: %s\n", m["validation"], r.ValidationTime.Local().Format(TextTimeLayout))
	_, err := io.WriteString(w, b.String())
	return err
}

func (s *SignatureReport) writeText(b *strings.Builder, m map[string]string, lang string) {
	ind := string(s.Indication)
	if s.SubIndication != "" {
		ind += "/" + string(s.SubIndication)
	}
	fmt.Fprintf(b, "\n%s %s: %s\n", m["signature"], esc(s.ID), ind)
	name := s.Signer.Subject
	if s.Signer.SubjectJa != "" {
		name = s.Signer.SubjectJa + " — " + name
	}
	fmt.Fprintf(b, "  %s: %s\n", m["signer"], esc(name))
	var roles []string
	for _, r := range s.Signer.Roles {
		switch {
		case r.Ja != "" && lang == "ja":
			roles = append(roles, r.Ja+"（"+r.Code+"）")
		case r.Ja != "":
			roles = append(roles, r.Code+" ("+r.Ja+")")
		default:
			roles = append(roles, r.Code)
		}
	}
	if len(roles) == 0 {
		roles = []string{m["norole"]}
	}
	fmt.Fprintf(b, "  %s: %s\n", m["role"], esc(strings.Join(roles, ", ")))
	if s.Signer.HPKI != "" {
		fmt.Fprintf(b, "  %s: %s\n", m["hpki"], esc(m[s.Signer.HPKI]))
	}
	var proven *Timestamp
	for i := range s.Timestamps {
		t := &s.Timestamps[i]
		if (t.Type == "signature" || (t.Type == "document" && s.Kind == "documentTimestamp")) && t.Indication == TotalPassed && t.GenTime.Equal(s.BestSignatureTime) {
			proven = t
		}
	}
	switch {
	case proven != nil:
		fmt.Fprintf(b, "  %s: "+m["proven"]+"\n", m["when"], proven.GenTime.Local().Format(TextTimeLayout), esc(proven.TSA))
	case s.ClaimedSigningTime != nil:
		fmt.Fprintf(b, "  %s: "+m["claimed"]+"\n", m["when"], s.ClaimedSigningTime.Local().Format(TextTimeLayout))
	default:
		fmt.Fprintf(b, "  %s: %s\n", m["when"], m["unknown"])
	}
	if len(s.Covers) > 0 {
		fmt.Fprintf(b, "  %s: %s\n", m["covers"], esc(localizeCovers(lang, s.Covers)))
	}
	if s.Level != "" {
		fmt.Fprintf(b, "  %s: %s\n", m["level"], esc(s.Level))
	}
	if s.SignaturePolicy != "" {
		fmt.Fprintf(b, "  %s: %s\n", m["policy"], esc(s.SignaturePolicy))
	}
	if len(s.Revocation) > 0 {
		c := s.Revocation[0]
		// Without a proven time the status was checked at the
		// validation time: say so, never "the signing time".
		vt := ""
		if proven == nil {
			vt = ":vt"
		}
		line := m["rev:"+c.Status]
		if alt, ok := m["rev:"+c.Status+vt]; ok {
			line = alt
		}
		if c.Source != "" {
			line += fmt.Sprintf(" (%s, %s, %s)", c.Source, m["origin:"+c.Origin], c.ThisUpdate.Local().Format(TextTimeLayout))
		}
		switch {
		case c.RevokedAt != nil && c.RevokedAt.After(c.At):
			line += fmt.Sprintf(" — "+m["revokedafter"+vt], c.RevokedAt.Local().Format(TextTimeLayout))
		case c.RevokedAt != nil:
			line += fmt.Sprintf(" — "+m["revokedbefore"+vt], c.RevokedAt.Local().Format(TextTimeLayout))
		}
		fmt.Fprintf(b, "  %s: %s\n", m["revocation"], esc(line))
	}
	for _, t := range s.Timestamps {
		if isArchive(t.Type) && t.Indication == TotalPassed {
			fmt.Fprintf(b, "  %s: "+m["archived"]+"\n", m["archive"], t.GenTime.Local().Format(TextTimeLayout), esc(t.TSA))
		}
	}
	if s.RenewBy != nil {
		fmt.Fprintf(b, "  %s: %s\n", m["renewby"], s.RenewBy.Local().Format("2006-01-02"))
	}
	for _, t := range s.Timestamps {
		if t.Indication != TotalPassed {
			fmt.Fprintf(b, "  %s: "+m["tsfailed"]+"\n", m["warning"], esc(t.TSA), t.GenTime.Local().Format(TextTimeLayout), esc(localizeMessages(lang, t.Errors, "; ")))
		}
	}
	if why, ok := reasons[lang][s.SubIndication]; ok {
		fmt.Fprintf(b, "  %s: %s\n", m["reason"], why)
	} else if why, ok := reasons["en"][s.SubIndication]; ok {
		fmt.Fprintf(b, "  %s: %s\n", m["reason"], why)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(b, "  %s: %s\n", m["error"], esc(localizeMessage(lang, e)))
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(b, "  %s: %s\n", m["warning"], esc(localizeMessage(lang, w)))
	}
}
